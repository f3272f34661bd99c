/**
 * The chart of BENCHMARKS.md, as SVG text with no plotting tool: host calls (all kinds)
 * against project size, log-log, for the engine and the seed's algorithm, on an init of N
 * new chunks and a phase 1 of N cached hashes.
 */

export interface SweepPoint {
  server: "engine" | "baseline";
  size: number;
  init: number;
  phase1: number;
}

const W = 720;
const H = 440;
const PAD = { left: 70, right: 190, top: 40, bottom: 50 };

const SERIES = [
  { server: "baseline", kind: "init", label: "seed: init of N new chunks", color: "#d62728", dash: "" },
  { server: "engine", kind: "init", label: "engine: init of N new chunks", color: "#1f77b4", dash: "" },
  { server: "baseline", kind: "phase1", label: "seed: phase 1, N cached", color: "#d62728", dash: "6 4" },
  { server: "engine", kind: "phase1", label: "engine: phase 1, N cached", color: "#1f77b4", dash: "6 4" },
] as const;

function decades(lo: number, hi: number): number[] {
  const out = [];
  for (let d = Math.floor(Math.log10(lo)); d <= Math.ceil(Math.log10(hi)); d++) out.push(10 ** d);
  return out;
}

/** The chart for `points` (every size for both servers). */
export function chart(points: SweepPoint[]): string {
  const sizes = points.map((p) => p.size);
  const values = points.flatMap((p) => [p.init, p.phase1]).filter((v) => v > 0);
  const xs = decades(Math.min(...sizes), Math.max(...sizes));
  const ys = decades(Math.min(...values), Math.max(...values));
  const [x0, x1] = [Math.log10(xs[0] ?? 1), Math.log10(xs.at(-1) ?? 10)];
  const [y0, y1] = [Math.log10(ys[0] ?? 1), Math.log10(ys.at(-1) ?? 10)];
  const px = (v: number) => PAD.left + ((Math.log10(v) - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (v: number) => H - PAD.bottom - ((Math.log10(Math.max(v, 1)) - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const fmt = (v: number) => v.toLocaleString("en-US");
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${PAD.left}" y="22" font-size="14" font-weight="bold">Host calls (KV + AI + Vectorize) against project size</text>`,
  ];
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" y1="${PAD.top}" x2="${px(x)}" y2="${H - PAD.bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${px(x)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${fmt(x)}</text>`);
  }
  for (const y of ys) {
    out.push(`<line x1="${PAD.left}" y1="${py(y)}" x2="${W - PAD.right}" y2="${py(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`);
  }
  out.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 12}" text-anchor="middle">chunks in the project (N)</text>`);
  out.push(`<text x="16" y="${(PAD.top + H - PAD.bottom) / 2}" transform="rotate(-90 16 ${(PAD.top + H - PAD.bottom) / 2})" text-anchor="middle">host calls</text>`);
  SERIES.forEach((s, i) => {
    const line = points
      .filter((p) => p.server === s.server)
      .sort((a, b) => a.size - b.size)
      .map((p) => `${px(p.size).toFixed(1)},${py(p[s.kind]).toFixed(1)}`);
    out.push(`<polyline points="${line.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
    for (const pt of line) {
      const [x, y] = pt.split(",");
      out.push(`<circle cx="${x}" cy="${y}" r="3" fill="${s.color}"/>`);
    }
    const ly = PAD.top + 10 + i * 20;
    const lx = W - PAD.right + 12;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}" font-size="11">${s.label}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
