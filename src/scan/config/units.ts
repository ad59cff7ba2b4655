// Durations and sizes as bulwark.yaml writes them (as the manifest parser reads them, and a little
// more leniently: this only decides whether to warn).

/** "500ms", "5s", "2m", "1h"; a bare number is read as seconds. */
export function durationMs(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v * 1000;
  if (typeof v !== "string") return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"]!;
  return n * unit;
}

/** "128Mi", "1Gi", "512M", "1G", "1024MiB"; a bare number is bytes, as in bulwark.yaml. */
export function sizeBytes(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v !== "string") return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|K|M|G|KiB|MiB|GiB|KB|MB|GB)?\s*$/i.exec(v);
  if (!m) return null;
  const unit = (m[2] ?? "").toLowerCase().replace(/b$/, "");
  const factor: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3 };
  return Number(m[1]) * (factor[unit] ?? 1);
}
