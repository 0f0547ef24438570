// The lineage graph as a Streamlit component (st.components.v2): vis-network (loaded before this
// module, from the pyvis package) draws the nodes and edges it is given; clicks go back to Python.
//
// Everything from the lineage arrives as data and is only ever put on the page as text
// (textContent, or drawn on the canvas): no name is parsed as HTML.
//
// Events sent back: the state `selected` (the node clicked, kept across reruns) and the trigger
// `action` ({kind, node}: "focus", "upstream", "downstream", "group", "page" or "explore").
// Called again with new data (each rerun that changed it), the same drawing is kept when its
// nodes and edges are the same (`digest`): only the selection is brought up to date.

const DIM = 0.22;  // the opacity of what is not in the selected node's chain
const ACTIONS = [
  ["focus", "Focus the graph here"],
  ["upstream", "+1 upstream"],
  ["downstream", "+1 downstream"],
  ["group", "Open this group"],
  ["explore", "Explore from here"],
  ["page", "Open the node page"],
];

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) { el.className = className; }
  if (text !== undefined) { el.textContent = text; }
  return el;
}

function textBlock(text) {
  const div = element("div");
  div.style.whiteSpace = "pre-wrap";
  div.textContent = text == null ? "" : String(text);
  return div;
}

function build(parent, DATA, events) {
  const vis = globalThis.vis;
  const root = element("div", "lineage-graph");
  root.setAttribute("data-focus", DATA.focus || "");
  const legend = element("div", "legend");
  legend.setAttribute("aria-label", "legend");
  for (const [shape, colour, text] of DATA.legend) {
    const row = element("div");
    const sw = element("span", "sw " + shape, shape === "badge" ? "PII" : undefined);
    sw.style.backgroundColor = colour;
    row.appendChild(sw);
    row.appendChild(document.createTextNode(text));
    legend.appendChild(row);
  }
  const wrap = element("div", "wrap");
  const container = element("div", "graph");
  container.id = "graph";
  container.setAttribute("role", "img");
  container.setAttribute("aria-label", "lineage graph");
  container.style.height = DATA.height + "px";
  const controls = element("div", "controls");
  controls.setAttribute("aria-label", "zoom controls");
  const zoomIn = element("button", "zoom-in", "+");
  zoomIn.title = "zoom in";
  const zoomOut = element("button", "zoom-out", "−");
  zoomOut.title = "zoom out (labels stay at least 11 px)";
  const zoomFit = element("button", "zoom-fit", "Fit");
  zoomFit.title = "fit the graph, or as much of it as fits with labels at least 11 px; drag to pan";
  zoomIn.id = "zoom-in";
  zoomOut.id = "zoom-out";
  zoomFit.id = "zoom-fit";
  controls.append(zoomIn, zoomOut, zoomFit);
  const panel = element("div", "panel");
  panel.id = "panel";
  panel.hidden = true;
  const close = element("button", "panel-close", "×");
  close.setAttribute("aria-label", "close");
  const body = element("pre", "panel-body");
  body.id = "panel-body";
  const actions = element("div", "panel-actions");
  const buttons = {};
  for (const [kind, text] of ACTIONS) {
    const button = element("button", "action-" + kind, text);
    button.id = "panel-" + kind;
    button.hidden = true;
    button.addEventListener("click", function () {  // a group is opened by its id; the rest act on the
      const node = kind === "group" ? panel.dataset.node : panel.dataset.page;  // node a column belongs to
      if (node) { events.trigger("action", {kind: kind, node: node}); }
    });
    buttons[kind] = button;
    actions.appendChild(button);
  }
  panel.append(close, body, actions);
  wrap.append(container, controls, panel);
  root.append(legend, wrap);
  parent.appendChild(root);

  const nodes = new vis.DataSet(DATA.nodes.map(n => Object.assign({}, n, {title: textBlock(n.title)})));
  // Edge labels are drawn by us, over the nodes, in the gap between the two ends (see afterDrawing).
  const edges = new vis.DataSet(DATA.edges.map(e => Object.assign({}, e, {title: textBlock(e.title), label: undefined})));
  const network = new vis.Network(container, {nodes: nodes, edges: edges}, DATA.options);
  let dimmed = new Set();

  // Labels are never drawn below MIN_LABEL_PX: the view pans instead of shrinking further.
  const MIN_SCALE = DATA.min_label_px / DATA.smallest_font;
  function clampTo(scale, position) {
    network.moveTo({scale: Math.max(scale, MIN_SCALE), position: position || network.getViewPosition(),
                    animation: false});
  }
  function home() {  // fit; when that would shrink the labels, the focus (or the start) at a readable scale
    network.fit({animation: false});
    if (network.getScale() >= MIN_SCALE) { return; }
    const boxes = nodes.getIds().map(id => network.getBoundingBox(id));
    const margin = 20;
    const left = Math.min(...boxes.map(b => b.left)) - margin, right = Math.max(...boxes.map(b => b.right)) + margin;
    const top = Math.min(...boxes.map(b => b.top)) - 44 / MIN_SCALE;  // room for the zoom controls
    const bottom = Math.max(...boxes.map(b => b.bottom)) + margin;
    const halfW = container.clientWidth / 2 / MIN_SCALE, halfH = container.clientHeight / 2 / MIN_SCALE;
    const want = DATA.focus && nodes.get(DATA.focus) ? network.getPosition(DATA.focus) : {x: -Infinity, y: -Infinity};
    function within(value, low, high, half) {
      return high - low <= 2 * half ? (low + high) / 2 : Math.min(Math.max(value, low + half), high - half);
    }
    clampTo(MIN_SCALE, {x: within(want.x, left, right, halfW), y: within(want.y, top, bottom, halfH)});
  }
  network.on("zoom", function (params) {
    if (params.scale < MIN_SCALE) { clampTo(MIN_SCALE); }
  });
  zoomIn.onclick = function () { clampTo(network.getScale() * 1.25); };
  zoomOut.onclick = function () { clampTo(network.getScale() / 1.25); };
  zoomFit.onclick = home;

  // Derived origins are hatched (the label's own area left clear); sensitive data gets a badge.
  function nodeBox(id) {  // the drawn box (the shape's), not the bounding box with its margins
    const shape = network.body.nodes[id].shape;
    if (shape && shape.width) { return {left: shape.left, top: shape.top, width: shape.width, height: shape.height}; }
    const b = network.getBoundingBox(id);
    return {left: b.left, top: b.top, width: b.right - b.left, height: b.bottom - b.top};
  }
  let captions = [];
  function edgeCaption(ctx, edge) {
    const from = network.body.nodes[edge.from], to = network.body.nodes[edge.to];
    if (!from || !to) { return; }
    const a = nodeBox(edge.from), b = nodeBox(edge.to);
    let t = 0.5, room = Infinity, rightEnd = null;  // where along the line between the centres
    if (Math.abs(to.x - from.x) > 1) {
      const [l, r] = from.x < to.x ? [a, b] : [b, a];
      room = r.left - (l.left + l.width);
      rightEnd = r.left;
      t = Math.min(Math.max(((l.left + l.width + r.left) / 2 - from.x) / (to.x - from.x), 0.2), 0.8);
    }
    const lines = String(edge.label).split("\n");
    const size = DATA.smallest_font;
    ctx.save();
    ctx.font = size + "px sans-serif";
    const w = Math.max(...lines.map(l => ctx.measureText(l).width)) + 8, h = lines.length * (size + 2) + 4;
    // in the middle of the gap between the two ends; wider than the gap: above the line, its right
    // side against the right end, so that neither end's own label is covered
    const cramped = w > room && rightEnd !== null;
    const x = cramped ? rightEnd - 4 - w / 2 : from.x + t * (to.x - from.x);
    const y = from.y + t * (to.y - from.y) - (cramped ? h / 2 + 14 : 0);
    ctx.fillStyle = "rgba(255, 255, 255, 0.92)";
    ctx.fillRect(x - w / 2, y - h / 2, w, h);
    captions.push({from: edge.from, to: edge.to, left: x - w / 2, top: y - h / 2, width: w, height: h});
    ctx.fillStyle = (edge.font && edge.font.color) || "#374151";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    lines.forEach((line, i) => ctx.fillText(line, x, y - h / 2 + 2 + (i + 0.5) * (size + 2)));
    ctx.restore();
  }
  function hatch(ctx, node, body, box) {
    ctx.save();
    ctx.beginPath();
    const radius = Math.max(0, Math.min(((node.shapeProperties || {}).borderRadius || 0) - 2, box.height / 2 - 3));
    if (ctx.roundRect) {
      ctx.roundRect(box.left + 3, box.top + 3, box.width - 6, box.height - 6, radius);
    } else {
      ctx.rect(box.left + 3, box.top + 3, box.width - 6, box.height - 6);
    }
    const label = body.labelModule && body.labelModule.size;
    if (label && label.width) { ctx.rect(label.left - 2, label.top - 1, label.width + 4, label.height + 2); }
    ctx.clip("evenodd");
    ctx.strokeStyle = "rgba(55, 65, 81, 0.45)";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let x = box.left - box.height; x < box.left + box.width; x += 7) {
      ctx.moveTo(x, box.top + box.height);
      ctx.lineTo(x + box.height, box.top);
    }
    ctx.stroke();
    ctx.restore();
  }
  function badge(ctx, text, box) {
    ctx.save();
    ctx.font = "bold " + DATA.smallest_font + "px sans-serif";
    const w = ctx.measureText(text).width + 12, h = DATA.smallest_font + 6;
    const x = box.left + box.width - w + 6, y = box.top - h / 2;
    ctx.fillStyle = DATA.badge_colour;
    ctx.beginPath();
    if (ctx.roundRect) { ctx.roundRect(x, y, w, h, h / 2); } else { ctx.rect(x, y, w, h); }
    ctx.fill();
    ctx.fillStyle = "#ffffff";
    ctx.textBaseline = "middle";
    ctx.fillText(text, x + 6, y + h / 2 + 1);
    ctx.restore();
  }
  network.on("afterDrawing", function (ctx) {
    captions = [];
    window.lineageCaptions = captions;  // where each edge label was drawn, in canvas coordinates
    for (const edge of DATA.edges) {
      if (!edge.label) { continue; }
      ctx.globalAlpha = dimmed.has(edge.from) || dimmed.has(edge.to) ? DIM : 1;
      edgeCaption(ctx, edge);
    }
    ctx.globalAlpha = 1;
    for (const node of DATA.nodes) {
      if (!node.hatch && !node.badge) { continue; }
      const body = network.body.nodes[node.id];
      if (!body) { continue; }
      const box = nodeBox(node.id);
      ctx.globalAlpha = dimmed.has(node.id) ? DIM : 1;
      if (node.hatch) { hatch(ctx, node, body, box); }
      if (node.badge) { badge(ctx, node.badge, box); }
    }
    ctx.globalAlpha = 1;
  });
  network.once("stabilized", home);  // with physics on, vis-network fits again once the nodes settle
  let moved = false;  // by the user: then a change of the page's size no longer fits the graph again
  network.on("dragStart", function () { moved = true; });
  network.on("zoom", function () { moved = true; });
  let drawn = false;
  network.once("afterDrawing", function () {
    home();
    drawn = true;
    root.setAttribute("data-drawn", "1");
    window.lineageGraphDrawnAt = performance.timeOrigin + performance.now();
  });
  // The component is laid out by the page after it is made: fit again once it has its real size.
  const resized = new ResizeObserver(function () {
    if (!container.clientWidth) { return; }
    network.setSize("100%", DATA.height + "px");
    network.redraw();
    if (drawn && !moved) { home(); }
  });
  resized.observe(container);

  // A selected node's whole chain, up and down along the data-flow (and column) edges, stays
  // bright; the rest is dimmed. An identity's chain is what it runs and is granted.
  const flows = [];  // column to column flows, each with the process it goes through (null: none drawn)
  for (const e of DATA.edges) {
    for (const [a, b] of e.pairs || []) {
      if (e.from === a) { flows.push([a, b, e.to === b ? null : e.to]); }
    }
  }
  function columnChain(id) {
    const chain = new Set([id]);
    for (const forward of [true, false]) {
      const seen = new Set([id]), queue = [id];
      while (queue.length) {
        const at = queue.pop();
        for (const [a, b, via] of flows) {
          const [from, to] = forward ? [a, b] : [b, a];
          if (from !== at) { continue; }
          if (via) { chain.add(via); }
          if (!seen.has(to)) { seen.add(to); queue.push(to); }
        }
      }
      seen.forEach(n => chain.add(n));
    }
    return chain;
  }
  function chainOf(id) {
    const node = DATA.nodes.find(n => n.id === id);
    if (node && node.kind === "column") { return columnChain(id); }
    const identity = node && node.kind === "identity";
    const flow = DATA.edges.filter(e => identity ? e.from === id : e.kind !== "runs" && e.kind !== "grant");
    const chain = new Set([id]);
    for (const forward of [true, false]) {
      const seen = new Set([id]), queue = [id];
      while (queue.length) {
        const at = queue.pop();
        for (const e of flow) {
          const [a, b] = forward ? [e.from, e.to] : [e.to, e.from];
          if (a === at && !seen.has(b)) { seen.add(b); queue.push(b); }
        }
      }
      seen.forEach(n => chain.add(n));
    }
    return chain;
  }
  function highlight(chain) {
    dimmed = new Set(chain ? DATA.nodes.filter(n => !chain.has(n.id)).map(n => n.id) : []);
    // set on the drawn nodes and edges, not through the data sets: an update there would lay the
    // graph out again and move it under the pointer
    for (const [id, node] of Object.entries(network.body.nodes)) {
      node.options.opacity = dimmed.has(id) ? DIM : 1;
    }
    for (const edge of Object.values(network.body.edges)) {
      edge.options.color.opacity = dimmed.has(edge.fromId) || dimmed.has(edge.toId) ? DIM : 1;
    }
    network.redraw();
    window.lineageChain = chain ? Array.from(chain) : null;
  }
  function show(id) {  // the node's chain bright and its panel open; null: nothing selected
    const node = id == null ? null : DATA.nodes.find(n => n.id === id);
    if (!node) {
      highlight(null);
      panel.hidden = true;
      delete panel.dataset.node;
      delete panel.dataset.page;
      root.removeAttribute("data-selected");
      return;
    }
    const group = node.kind === "group";
    highlight(group ? null : chainOf(node.id));
    body.textContent = node.title;
    panel.dataset.node = node.id;
    const page = node.page || node.id;
    panel.dataset.page = page;
    const offered = new Set(DATA.actions || []);
    buttons.focus.hidden = group || !offered.has("focus") || page === DATA.focus;
    buttons.upstream.hidden = group || !offered.has("upstream");
    buttons.downstream.hidden = group || !offered.has("downstream");
    buttons.group.hidden = !group || !offered.has("group");
    buttons.explore.hidden = group || !offered.has("explore");
    buttons.page.hidden = group || !offered.has("page");
    panel.hidden = false;
    root.setAttribute("data-selected", node.id);
  }
  close.onclick = function () { panel.hidden = true; };
  network.on("selectNode", function (params) {
    const id = params.nodes[0];
    show(id);
    events.state("selected", id);
  });
  network.on("deselectNode", function () { highlight(null); });
  network.on("doubleClick", function (params) {  // a double click re-focuses, where the page offers it
    const node = DATA.nodes.find(n => n.id === params.nodes[0]);
    if (!node) { return; }
    const offered = new Set(DATA.actions || []);
    if (node.kind === "group" && offered.has("group")) {
      events.trigger("action", {kind: "group", node: node.id});
    } else if (node.kind !== "group" && offered.has("focus") && (node.page || node.id) !== DATA.focus) {
      events.trigger("action", {kind: "focus", node: node.page || node.id});
    }
  });

  function select(id) {  // from Python (a table row): the node selected, its chain bright
    if (id == null || !nodes.get(id)) { return; }
    if (root.getAttribute("data-selected") === id) { return; }
    network.selectNodes([id]);
    show(id);
  }
  function destroy() {
    resized.disconnect();
    network.destroy();
    root.remove();
  }
  window.lineageNetwork = network;  // for the browser tests and the benchmark
  window.lineageFocus = DATA.focus;
  return {digest: DATA.digest, network: network, select: select, destroy: destroy, events: events};
}

export default function (component) {
  const {data, parentElement, setStateValue, setTriggerValue} = component;
  let graph = parentElement.__lineageGraph;
  if (graph && graph.digest !== data.digest) {
    graph.destroy();
    graph = undefined;
  }
  if (!graph) {
    const events = {state: null, trigger: null};
    graph = build(parentElement, data, {
      state: (name, value) => events.state(name, value),
      trigger: (name, value) => events.trigger(name, value),
    });
    graph.latest = events;
    parentElement.__lineageGraph = graph;
  }
  graph.latest.state = setStateValue;  // the callbacks of the latest render
  graph.latest.trigger = setTriggerValue;
  window.lineageNetwork = graph.network;
  window.lineageFocus = data.focus;
  graph.select(data.selected);
  const built = graph;
  return function () {
    if (parentElement.__lineageGraph === built) {
      built.destroy();
      delete parentElement.__lineageGraph;
    }
  };
}
