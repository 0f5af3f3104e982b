// What every page is checked for, in the page itself (tests/e2e/test_look.py).
() => {
  const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const problems = [];
  const sizes = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (walker.currentNode.textContent.trim() && el && visible(el) && !el.closest("svg, select")) {
      sizes.add(parseFloat(getComputedStyle(el).fontSize));
    }
  }
  for (const el of document.querySelectorAll("a.button, button, .tabs a, summary, input, select")) {
    if (!visible(el) || el.type === "hidden" || el.closest(".visually-hidden")) continue;
    const box = el.getBoundingClientRect();
    if (box.height < 43.5) problems.push(["short target", el.outerHTML.slice(0, 80), box.height]);
  }
  for (const el of document.querySelectorAll("a.button, button")) {
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    if (style.textAlign !== "center" || style.justifyContent !== "center") {
      problems.push(["label not centred", el.outerHTML.slice(0, 80)]);
    }
    if (style.textDecorationLine.includes("underline")) problems.push(["underlined button", el.outerHTML.slice(0, 80)]);
  }
  for (const el of document.querySelectorAll("a[hx-get], a[hx-post]")) {
    if (visible(el) && getComputedStyle(el).textDecorationLine.includes("underline")) {
      problems.push(["underlined link as an action", el.outerHTML.slice(0, 80)]);
    }
  }
  if (document.querySelectorAll("[style]").length) problems.push(["inline style"]);
  if (document.querySelectorAll("script:not([src]), style").length) problems.push(["inline code"]);
  if (document.querySelectorAll('link[rel="stylesheet"]').length !== 1) problems.push(["stylesheets"]);
  const ours = Array.from(document.scripts).filter(s => !s.src.includes("htmx"));
  if (ours.length !== 1) problems.push(["scripts", ours.map(s => s.src)]);
  return {problems, sizes: Array.from(sizes)};
}
