//! The page's stylesheet: narrow screens (tables scroll inside their card,
//! the narrow chart variants), wide screens and print.

pub(super) const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f9; color: #1f2933;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #dde3ea; }
h3 { font-size: 15px; margin: 0 0 6px; }
h4 { font-size: 13px; margin: 10px 0 2px; color: #52606d; text-transform: uppercase; letter-spacing: .03em; }
p { margin: 6px 0; }
.meta { color: #52606d; margin: 0; }
.note { color: #616e7c; font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(128px, 1fr)); gap: 10px; margin: 18px 0 6px; }
.card { background: #fff; border: 1px solid #dde3ea; border-left: 4px solid #8fa6c4; border-radius: 6px; padding: 8px 12px; }
.card .v { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .k { color: #52606d; font-size: 12.5px; }
.card.hot { border-left-color: #e8590c; }
.card.warn { border-left-color: #fcc419; }
.card.good { border-left-color: #37b24d; }
figure { margin: 10px 0 18px; background: #fff; border: 1px solid #dde3ea; border-radius: 6px; padding: 12px 14px 6px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption .note { font-weight: 400; margin-left: 6px; }
.chart.narrow { display: none; }
svg text { font-family: inherit; fill: #323f4b; font-size: 12px; }
svg .axis text { fill: #616e7c; font-size: 11.5px; }
svg .axis line, svg .axis path { stroke: #9aa5b1; }
svg .grid line { stroke: #e4e7eb; }
svg .value { font-size: 11.5px; fill: #3e4c59; }
svg .muted { fill: #7b8794; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } }
.wrap { overflow-x: auto; background: #fff; border: 1px solid #dde3ea; border-radius: 6px; margin: 6px 0 14px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { padding: 5px 8px; border-bottom: 1px solid #e4e7eb; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; vertical-align: bottom; }
tbody tr:nth-child(even) { background: #f9fafb; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.t { white-space: nowrap; }
.long { display: inline-block; min-width: 16em; }
.r { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 12px; overflow-wrap: anywhere; }
.tag { display: inline-block; padding: 0 6px; border-radius: 9px; background: #eef1f5; font-size: 12px; white-space: nowrap; }
.tag.bad { background: #ffe3e3; color: #a61e1e; }
.advice { background: #fff; border: 1px solid #dde3ea; border-left: 4px solid #e8590c; border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.advice .count { font-weight: 400; color: #52606d; font-size: 13px; margin-left: 6px; }
.advice .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 4px 24px; }
.advice ul, .advice ol { margin: 2px 0 4px; padding-left: 22px; }
code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 12.5px; background: #eef1f5; padding: 0 3px; border-radius: 3px; }
footer { margin-top: 40px; color: #7b8794; font-size: 12px; }
.headline { background: #fff; border: 1px solid #dde3ea; border-left: 6px solid #1f2933; border-radius: 6px; padding: 10px 16px; margin: 16px 0 4px; }
.headline h2 { margin: 0 0 6px; border: 0; padding: 0; font-size: 17px; }
.headline ul { margin: 0; padding-left: 20px; }
.headline li { margin: 3px 0; }
.headline.calm { border-left-color: #37b24d; }
.headline.hot { border-left-color: #e8590c; }
details.list > summary { cursor: pointer; font-weight: 600; margin: 6px 0; }
/* Phones: the narrow chart variants (about one unit per pixel), tables one
   line per row scrolling sideways inside their card, less padding. */
@media (max-width: 640px) {
  main { padding: 12px 10px 32px; }
  h1 { font-size: 20px; }
  h2 { font-size: 17px; margin-top: 26px; }
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; margin-top: 12px; }
  .card { padding: 6px 10px; }
  .card .v { font-size: 19px; }
  figure { padding: 8px 6px 4px; }
  figcaption { padding: 0 4px; }
  .chart.wide { display: none; }
  .chart.narrow { display: block; }
  th, td { white-space: nowrap; padding: 4px 7px; }
  .long { white-space: normal; min-width: 16em; display: inline-block; }
  .r { white-space: normal; min-width: 26em; display: inline-block; }
  .advice { padding: 10px 12px; }
  .advice .cols { grid-template-columns: 1fr; }
}
/* Paper: the wide charts, everything open, nothing cut at a page break. */
@media print {
  body { background: #fff; font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  .chart.narrow { display: none !important; }
  .chart.wide { display: block !important; }
  .wrap { overflow: visible; border: 0; }
  th, td { white-space: normal !important; }
  figure, .card, .advice, .headline, tr { break-inside: avoid; }
  h2, h3, figcaption { break-after: avoid; }
  .pair { grid-template-columns: 1fr 1fr; }
  details.list > summary { list-style: none; }
  details.list::details-content { content-visibility: visible; display: block; height: auto; }
}
"#;
