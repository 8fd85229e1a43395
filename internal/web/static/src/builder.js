// builder.js — the report builder: the chart downloaded as a PNG.
//
// The chart is SVG drawn by the server; the browser paints it onto a
// canvas, with the page's background and text colours, and downloads
// the picture. Without this script the button stays hidden.
const button = document.querySelector("[data-chart-png]");
const svg = document.querySelector("[data-chart] svg");
if (button && svg) {
  button.hidden = false;
  button.addEventListener("click", () => {
    const style = getComputedStyle(document.body);
    const copy = svg.cloneNode(true);
    copy.setAttribute("width", "1280");
    copy.setAttribute("height", "640");
    copy.setAttribute("color", style.color);
    const text = new XMLSerializer().serializeToString(copy);
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = 1280;
      canvas.height = 640;
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = style.backgroundColor;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      const link = document.createElement("a");
      link.download = "chart.png";
      link.href = canvas.toDataURL("image/png");
      link.click();
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
  });
}
