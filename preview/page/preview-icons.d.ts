// The module the build generates (scripts/lib/preview/bundle.ts): puts @grafana/ui's icons into
// react-inlinesvg's cache. Nothing to import from it.
export {};
