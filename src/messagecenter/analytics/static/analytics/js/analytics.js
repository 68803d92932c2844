// Analytics: each chart is drawn with uPlot from its own table (the table is the data, the
// accessible view and what the CSV holds), a Table view toggle per chart, and the period picker
// that applies at once. Without this module the page still shows every table.

import uPlot from "../../vendor/uplot/uPlot.esm.js";

const gettext = window.gettext || ((text) => text);
const form = document.getElementById("analytics-filters");
const period = document.getElementById("id_period");

// Counts and positions are whole numbers: axis steps of 1, 2, 5, 10, 20, 50…
const WHOLE_STEPS = [1, 2, 3, 5, 7, 10, 14, 20, 30, 50, 100, 200, 500, 1000, 2000, 5000, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6];

function readTable(section) {
  const table = section.querySelector("table");
  if (!table) return null;
  const columns = [...table.tHead.rows[0].cells].map((cell) => cell.textContent.trim());
  const rows = [...table.tBodies[0].rows];
  const labels = rows.map((row) => row.cells[0].textContent.trim());
  const series = columns.slice(1).map((_, n) =>
    rows.map((row) => Number(row.cells[n + 1].textContent.replace(/[^\d.-]/g, "")) || 0),
  );
  return { columns, labels, series };
}

function colour(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

function options(section, data, width) {
  const bars = section.dataset.kind === "bars";
  const palette = [colour("--mc-color-primary", "#3a56d4"), colour("--mc-color-open", "#b54708")];
  return {
    width,
    height: 220,
    legend: { show: data.series.length > 1 },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false } },
    axes: [
      {
        // Whole steps only: a tick between two days or hours has no label.
        incrs: WHOLE_STEPS,
        values: (_u, ticks) =>
          ticks.map((tick) => (Number.isInteger(tick) ? (data.labels[tick] ?? "") : "")),
        stroke: colour("--mc-color-text-muted", "#545f70"),
      },
      { incrs: WHOLE_STEPS, stroke: colour("--mc-color-text-muted", "#545f70") },
    ],
    series: [
      { label: data.columns[0], value: (_u, v) => (v == null ? "" : data.labels[v]) },
      ...data.series.map((_, n) => ({
        label: data.columns[n + 1],
        stroke: palette[n % palette.length],
        fill: bars ? palette[n % palette.length] : undefined,
        width: bars ? 0 : 2,
        paths: bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined,
        points: { show: !bars && data.labels.length <= 31 },
      })),
    ],
  };
}

function draw(section) {
  const plot = section.querySelector("[data-plot]");
  const data = readTable(section);
  if (!plot || !data) return;
  const x = data.labels.map((_, n) => n);
  const width = () => Math.max(240, plot.clientWidth);
  const chart = new uPlot(options(section, data, width()), [x, ...data.series], plot);
  new ResizeObserver(() => chart.setSize({ width: width(), height: 220 })).observe(plot);
}

function toggle(button) {
  const section = button.closest("[data-chart]");
  const table = section.querySelector("[data-table-view]");
  const plot = section.querySelector("[data-plot]");
  const showTable = button.getAttribute("aria-pressed") !== "true";
  button.setAttribute("aria-pressed", String(showTable));
  button.textContent = showTable ? gettext("Chart view") : gettext("Table view");
  table.hidden = !showTable;
  if (plot) plot.hidden = showTable;
}

for (const section of document.querySelectorAll("[data-chart]")) {
  if (section.dataset.kind !== "table" && section.querySelector("table")) draw(section);
  else section.querySelector("[data-plot]")?.setAttribute("hidden", "");
}
for (const button of document.querySelectorAll("[data-toggle-table]")) {
  button.addEventListener("click", () => toggle(button));
}
// A preset period applies at once; Custom waits for its two dates and Apply.
period?.addEventListener("change", () => {
  form.dataset.period = period.value;
  if (period.value !== "custom") form.requestSubmit();
});
