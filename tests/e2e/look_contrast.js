// The colour tokens, paired as the pages use them: every pair at least 4.5:1.
() => {
  const rgb = c => c.match(/[\d.]+/g).slice(0, 3).map(Number);
  const lum = c => {
    const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const root = getComputedStyle(document.documentElement);
  const token = name => {
    const probe = document.createElement("span");
    probe.style.color = root.getPropertyValue(name);
    document.body.append(probe);
    const value = getComputedStyle(probe).color;
    probe.remove();
    return value;
  };
  const pairs = [["--ink", "--bg"], ["--ink", "--surface"], ["--ink-2", "--bg"], ["--ink-2", "--surface"],
    ["--accent-ink", "--accent"], ["--accent", "--surface"], ["--star", "--star-bg"], ["--star", "--surface"],
    ["--added-ink", "--added-bg"], ["--skipped-ink", "--skipped-bg"], ["--check-ink", "--check-bg"],
    ["--missing-ink", "--missing-bg"], ["--info-ink", "--info-bg"], ["--header-ink", "--header-bg"]];
  return {
    low: pairs.map(([ink, bg]) => [ink, bg, ratio(token(ink), token(bg))]).filter(p => p[2] < 4.5),
    background: lum(getComputedStyle(document.documentElement).backgroundColor),
  };
}
