// Panel ids and grid positions for a dashboard built top to bottom: rows of panels whose widths add up
// to at most 24 columns. Ids follow the order of appearance, so they are stable and unique.
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { type DashboardBuilder, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";

interface Placeable extends cog.Builder<dashboard.Panel> {
  id(id: number): this;
  gridPos(gridPos: dashboard.GridPos): this;
}

export class Layout {
  private y = 0;
  private nextId = 1;

  constructor(private readonly board: DashboardBuilder) {}

  /** A collapsible row header across the whole width. */
  row(title: string): this {
    this.board.withRow(new RowBuilder(title).id(this.nextId++).gridPos({ x: 0, y: this.y, w: 24, h: 1 }));
    this.y += 1;
    return this;
  }

  /** Rows defined in a file of their own, in their place. */
  then(add: (layout: Layout) => Layout): this {
    add(this);
    return this;
  }

  /** Panels side by side, each [panel, width], all `height` tall. */
  panels(height: number, ...panels: [Placeable, number][]): this {
    let x = 0;
    for (const [panel, w] of panels) {
      if (x + w > 24) throw new Error(`panels of this row are wider than 24 columns`);
      this.board.withPanel(panel.id(this.nextId++).gridPos({ x, y: this.y, w, h: height }));
      x += w;
    }
    this.y += height;
    return this;
  }
}
