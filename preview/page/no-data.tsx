// The message a panel shows in place of its visualisation ("No data", the panel's noValue, why it cannot
// draw), styled as Grafana's PanelDataErrorView (public/app/features/panel/components/PanelDataErrorView.tsx):
// centred, secondary text colour, the theme's large size; the same test id.
import { selectors } from "@grafana/e2e-selectors";
import { useTheme2 } from "@grafana/ui";

export function NoData({ text }: { text: string }) {
  const theme = useTheme2();
  return (
    <div style={{ display: "flex", flexDirection: "column", justifyContent: "center", alignItems: "center", height: "100%", width: "100%" }}>
      <div data-testid={selectors.components.Panels.Panel.PanelDataErrorMessage} style={{ textAlign: "center", color: theme.colors.text.secondary, fontSize: theme.typography.size.lg, width: "100%" }}>
        {text}
      </div>
    </div>
  );
}
