// Dashboard uids, stable across pushes. The main one is the real system's existing uid.
export const MAIN_UID = "trading-system-monitoring";
export const SIGNAL_TRACE_UID = "ytrader-signal-trace";

/** The signal trace of the signal in this table cell, keeping the time range. */
export const traceLink = { title: "Trace this signal", url: `/d/${SIGNAL_TRACE_UID}/signal-trace?var-signal_id=\${__value.raw}&\${__url_time_range}` };
