// Draws the dashboard's charts from the figures the page carries (json_script, no inline script:
// the CSP forbids it). A click on a bar, slice or point opens the filtered list behind it.
(() => {
  const source = document.getElementById("dashboard-charts");
  if (!source || !window.echarts) return;
  const language = document.documentElement.lang || "zh-hans";
  const money = new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  const options = (chart, empty) => {
    const horizontal = chart.style === "hbar";
    const categoryAxis = { type: "category", data: chart.categories, axisLabel: { hideOverlap: true } };
    const valueAxis = {
      type: "value",
      minInterval: chart.money ? 0 : 1,
      axisLabel: chart.money ? { formatter: (value) => money.format(value).replace(/\.00$/, "") } : {},
    };
    return {
      animation: false,
      title: empty ? { text: empty, left: "center", top: "middle", textStyle: { color: "#6b7785", fontSize: 13 } } : undefined,
      tooltip: {
        renderMode: "richText", // drawn on the canvas: HTML tooltips carry style attributes the CSP refuses
        trigger: horizontal ? "item" : "axis",
        valueFormatter: chart.money ? (value) => money.format(value) : undefined,
      },
      legend: chart.series.length > 1 ? { type: "scroll", bottom: 0 } : undefined,
      grid: { left: 8, right: 16, top: 16, bottom: chart.series.length > 1 ? 36 : 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: chart.series.map((series) => ({
        name: series.name,
        type: chart.style === "line" ? "line" : "bar",
        stack: chart.style === "stacked" ? "all" : undefined,
        triggerLineEvent: chart.style === "line",
        symbolSize: 8,
        cursor: "pointer",
        data: series.data,
      })),
    };
  };

  const drawn = [];
  for (const chart of JSON.parse(source.textContent)) {
    const element = document.querySelector(`[data-chart="${chart.key}"]`);
    if (!element) continue;
    const points = chart.series.reduce((count, series) => count + series.data.filter((point) => point.value).length, 0);
    const instance = window.echarts.init(element, null, { renderer: "canvas", locale: language.startsWith("zh") ? "ZH" : "EN" });
    instance.setOption(options(chart, points ? "" : element.dataset.empty));
    instance.on("click", (event) => {
      const url = event.data && event.data.url;
      if (url) window.location.assign(url);
    });
    element.dataset.points = String(points);
    drawn.push(instance);
  }
  window.addEventListener("resize", () => drawn.forEach((instance) => instance.resize()));
  document.body.dataset.chartsDrawn = String(drawn.length);
})();
