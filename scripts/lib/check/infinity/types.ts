// The shapes of an Infinity (yesoreyeram-infinity-datasource 3.11.1) JSON query, its datasource as the
// check engine holds it, and the error wording of results.X.error (infinity-facts §1-3).

export interface InfinityDatasource {
  /** Top-level base URL (`__IGNORE_URL__` or empty: none). */
  url: string;
  basicAuth?: boolean;
  basicAuthUser?: string;
  jsonData: Record<string, unknown>;
  /** Resolved secureJsonData values (basicAuthPassword, apiKeyValue, bearerToken, httpHeaderValue1, ...). */
  secrets: Record<string, string>;
}

export interface InfinityColumn {
  selector: string;
  text?: string;
  type?: string;
  timestampFormat?: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface InfinityTarget {
  refId?: string;
  type?: string;
  source?: string;
  parser?: string;
  format?: string;
  url?: string;
  url_options?: {
    method?: string;
    params?: KeyValue[];
    headers?: KeyValue[];
    data?: string;
    body_type?: string;
    body_content_type?: string;
  };
  root_selector?: string;
  columns?: InfinityColumn[];
  computed_columns?: Array<{ selector: string; text: string }>;
  filterExpression?: string;
  summarizeExpression?: string;
  summarizeBy?: string;
  pagination_mode?: string;
}

/** A query error as Infinity words it in results.X.error; status is the one the plugin reports. */
export class InfinityQueryError extends Error {
  constructor(
    message: string,
    readonly status: number = 500,
  ) {
    super(message);
    this.name = "InfinityQueryError";
  }
}

export const ALLOWED_HOSTS_MESSAGE =
  "requested URL not allowed. To allow this URL, update the data source config in the Security tab, Allowed hosts section";
export const QUERY_ERROR_PREFIX = "error while performing the infinity query. ";
const FRAME_ERROR_PREFIX = "error converting json data to frame: ";

/** A query error raised while turning the answer into a frame, worded as the plugin words it. */
export function frameError(reason: string): InfinityQueryError {
  return new InfinityQueryError(`${QUERY_ERROR_PREFIX}${FRAME_ERROR_PREFIX}${reason}`);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
