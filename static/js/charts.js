/* Charts for dashboard pages: draws every <figure data-chart> rendered by templates/dashboards/_chart.html.
 *
 * How to use: build a dashboards.charts.Chart in the view, `{% include "dashboards/_chart.html" with chart=... %}`
 * where it should appear, and once per page `{% include "dashboards/_chart.html#scripts" %}` in
 * {% block extra_js %} (loads Chart.js, then this file). Nothing else to call: figures are drawn on page load
 * and again after every htmx swap.
 *
 * The figure's table is the source of truth for people: without JavaScript (or if Chart.js fails to load) the
 * table simply stays visible. With it, the chart is drawn and a button toggles the same figures as a table
 * (aria-expanded tells screen readers which one shows). In print both appear (see app.css).
 */
(function () {
  "use strict";

  const PALETTE = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#d63384", "#20c997", "#ffc107", "#6c757d", "#0dcaf0", "#dc3545"];
  const locale = document.documentElement.lang || undefined;

  function formatter(unit) {
    if (unit === "percent") {
      const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
      return (v) => (v === null || v === undefined ? "—" : nf.format(v) + "%");
    }
    const digits = unit === "money" ? 0 : unit === "days" ? 1 : 2;
    const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: digits });
    return (v) => (v === null || v === undefined ? "—" : nf.format(v));
  }

  // Shaded band between two values on the value axis, e.g. the 70-80 % realism band.
  const bandPlugin = {
    id: "valueBand",
    beforeDatasetsDraw(chart, _args, options) {
      if (!options || !options.range) {
        return;
      }
      const horizontal = chart.options.indexAxis === "y";
      const scale = horizontal ? chart.scales.x : chart.scales.y;
      const area = chart.chartArea;
      const a = scale.getPixelForValue(options.range[0]);
      const b = scale.getPixelForValue(options.range[1]);
      const ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = "rgba(25, 135, 84, 0.15)";
      if (horizontal) {
        ctx.fillRect(Math.min(a, b), area.top, Math.abs(b - a), area.bottom - area.top);
      } else {
        ctx.fillRect(area.left, Math.min(a, b), area.right - area.left, Math.abs(b - a));
      }
      if (options.label) {
        ctx.fillStyle = "#146c43";
        ctx.font = "12px system-ui, sans-serif";
        ctx.fillText(options.label, horizontal ? Math.min(a, b) + 4 : area.left + 4, horizontal ? area.top + 12 : Math.min(a, b) - 4);
      }
      ctx.restore();
    },
  };

  // A waterfall: the first and last values are totals standing on zero; each value between is a
  // change, drawn from the running total (green up, red down). The tooltip shows the change itself.
  function floatingBars(dataset) {
    const values = dataset.data.map((v) => v || 0);
    const last = values.length - 1;
    let running = 0;
    dataset.changes = values;
    dataset.data = values.map((v, i) => {
      if (i === 0 || i === last) {
        running = v;
        return [0, v];
      }
      const bar = [running, running + v];
      running += v;
      return bar;
    });
    dataset.backgroundColor = values.map((v, i) => (i === 0 || i === last ? PALETTE[0] : v < 0 ? "#dc3545" : "#198754") + "cc");
    dataset.borderColor = values.map((v, i) => (i === 0 || i === last ? PALETTE[0] : v < 0 ? "#dc3545" : "#198754"));
  }

  function build(figure) {
    const canvas = figure.querySelector("canvas");
    const dataElement = document.getElementById(figure.dataset.chart);
    if (!canvas || !dataElement || window.Chart.getChart(canvas)) {
      return;
    }
    const spec = JSON.parse(dataElement.textContent);
    // A horizontal chart grows with its rows (charts.css); set here, as the CSP forbids style attributes.
    const box = figure.querySelector(".chart-canvas");
    if (box.dataset.chartRows) {
      box.style.setProperty("--chart-rows", box.dataset.chartRows);
    }
    const format = formatter(spec.unit);
    const datasets = spec.series.map((s, i) => {
      const color = PALETTE[i % PALETTE.length];
      const kind = s.kind || spec.type;
      return {
        type: kind,
        label: s.label,
        data: s.values,
        backgroundColor: kind === "line" ? color : color + "cc",
        borderColor: color,
        borderWidth: kind === "line" ? 2 : 1,
        pointRadius: kind === "line" ? 2 : undefined,
        spanGaps: false,
      };
    });
    if (spec.waterfall && datasets.length) {
      floatingBars(datasets[0]);
    }
    const valueAxis = {
      beginAtZero: true,
      // A band (e.g. 70-80 %) stays in view however low the figures are.
      suggestedMax: spec.band ? Math.max(100, spec.band[1]) : undefined,
      stacked: spec.stacked,
      ticks: { callback: (v) => format(v) },
    };
    const labelAxis = { stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } };
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : undefined,
        indexAxis: spec.horizontal ? "y" : "x",
        scales: spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom" },
          tooltip: { callbacks: { label: (c) => c.dataset.label + ": " + format(c.dataset.changes ? c.dataset.changes[c.dataIndex] : c.raw) } },
          valueBand: { range: spec.band, label: spec.bandLabel },
        },
      },
      plugins: [bandPlugin],
    });

    const tableWrap = figure.querySelector(".chart-table");
    const toggle = figure.querySelector(".chart-toggle");
    figure.querySelector(".chart-canvas").classList.remove("d-none");
    tableWrap.classList.add("d-none");
    toggle.classList.remove("d-none");
    toggle.addEventListener("click", () => {
      const showTable = tableWrap.classList.contains("d-none");
      tableWrap.classList.toggle("d-none", !showTable);
      toggle.setAttribute("aria-expanded", String(showTable));
      toggle.textContent = showTable ? toggle.dataset.hideLabel : toggle.dataset.showLabel;
    });
  }

  function drawAll(root) {
    if (!window.Chart) {
      return; // Chart.js did not load: the tables stay visible.
    }
    // Charts whose canvas an htmx swap took away are let go.
    Object.values(window.Chart.instances).forEach((c) => {
      if (!document.body.contains(c.canvas)) {
        c.destroy();
      }
    });
    (root || document).querySelectorAll("figure[data-chart]").forEach(build);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => drawAll(document));
  } else {
    drawAll(document);
  }
  document.addEventListener("htmx:afterSettle", (event) => drawAll(event.target));
  // Charts are sized for the screen; let them fit the paper before printing.
  window.addEventListener("beforeprint", () => {
    if (window.Chart) {
      Object.values(window.Chart.instances).forEach((c) => c.resize());
    }
  });
})();
