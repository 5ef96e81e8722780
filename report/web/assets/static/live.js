// srvmon serve: the live range. On every page it shows the "live" link
// (hidden without script, as the range needs it); on the live range
// (main[data-live]) it follows /api/v1/live, Server-Sent Events with the
// values of each second computed by the server, and draws them in place
// of the recorded charts, appending each new second without a reload.
// Numbers are formatted by the server (each event's "text"), and the top
// processes (every few seconds, "top_html") come as the tables the page's
// "who used the host" shows; this script only draws.
"use strict";
(function () {
	var link = document.getElementById("livelink");
	if (link && window.EventSource) {
		link.hidden = false;
	}
	var main = document.getElementById("charts");
	var src = main && main.getAttribute("data-live");
	if (!src || !window.EventSource) {
		return;
	}
	var windowSecs = parseInt(main.getAttribute("data-live-window") || "300", 10);
	var offset = parseInt(main.getAttribute("data-utc-offset") || "0", 10);
	var colors = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#999999"];
	var W = 480, H = 220, L = 8, R = 8, T = 8, B = 22;
	var maxThings = 6; // devices or interfaces drawn per chart, the busiest

	// The charts: each draws quantities of one view, for the host ("") or
	// per device; stacked charts add up (CPU by mode) on a fixed scale.
	var charts = [
		{id: "cpu", title: "CPU", view: "cpu", stack: true, max: 100, unit: "%",
			cols: [["user", "user"], ["nice", "nice"], ["system", "system"], ["iowait", "iowait"], ["irq", "irq"], ["softirq", "softirq"], ["steal", "steal"]]},
		{id: "load", title: "Load", view: "load", cols: [["load1", "1 min"], ["load5", "5 min"], ["load15", "15 min"]]},
		{id: "mem", title: "Memory", view: "mem", cols: [["used", "used"], ["cached", "cached"], ["buffers", "buffers"], ["free", "free"]]},
		{id: "disk-bytes", title: "Disk throughput", view: "disk", things: true, cols: [["rbytes/s", "read"], ["wbytes/s", "write"]]},
		{id: "disk-util", title: "Disk utilization", view: "disk", things: true, max: 100, unit: "%", cols: [["util", "util"]]},
		{id: "net-bytes", title: "Network throughput", view: "net", things: true, skip: {"lo": true}, cols: [["rxbytes/s", "in"], ["txbytes/s", "out"]]}
	];
	// A device page gives its own charts (the server's list, as it draws
	// them recorded), all of one device.
	var own = main.getAttribute("data-live-charts");
	if (own) {
		try {
			charts = JSON.parse(own);
		} catch (e) {
			return;
		}
		var device = main.getAttribute("data-live-thing") || "";
		charts.forEach(function (c) { c.thing = device; });
	}
	var events = []; // oldest first, within the window
	var topBox = null; // the top processes' tables
	var count = 0, connects = 0, es = null;
	var status = document.getElementById("live");

	function say(text) {
		if (status) {
			status.hidden = false;
			status.textContent = text;
		}
	}

	function pad(n) {
		return (n < 10 ? "0" : "") + n;
	}

	function clock(t) {
		var d = new Date((t + offset) * 1000);
		return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
	}

	function el(name, attrs, parent) {
		var svgNS = "http://www.w3.org/2000/svg";
		var e = ["svg", "path", "line", "text", "g", "rect"].indexOf(name) >= 0 ? document.createElementNS(svgNS, name) : document.createElement(name);
		for (var k in attrs) {
			if (Object.prototype.hasOwnProperty.call(attrs, k)) {
				e.setAttribute(k, attrs[k]);
			}
		}
		if (parent) {
			parent.appendChild(e);
		}
		return e;
	}

	function value(ev, view, thing, col) {
		var v = ev.views && ev.views[view] && ev.views[view][thing];
		return v && typeof v[col] === "number" ? v[col] : null;
	}

	function text(ev, view, thing, col) {
		var v = ev.text && ev.text[view] && ev.text[view][thing];
		return v && v[col] ? v[col] : "–";
	}

	// series returns the lines of chart c: [{label, thing, col}], for the
	// devices the busiest over the window.
	function series(c) {
		if (!c.things) {
			return c.cols.map(function (col) { return {label: col[1], thing: c.thing || "", col: col[0]}; });
		}
		var peak = {};
		events.forEach(function (ev) {
			var things = (ev.views && ev.views[c.view]) || {};
			Object.keys(things).forEach(function (thing) {
				if (c.skip && c.skip[thing]) {
					return;
				}
				c.cols.forEach(function (col) {
					var v = things[thing][col[0]];
					peak[thing] = Math.max(peak[thing] || 0, typeof v === "number" ? v : 0);
				});
			});
		});
		var names = Object.keys(peak).sort(function (a, b) { return peak[b] - peak[a] || (a < b ? -1 : 1); }).slice(0, maxThings);
		names.sort();
		var out = [];
		names.forEach(function (thing) {
			c.cols.forEach(function (col) {
				out.push({label: thing + " " + col[1], thing: thing, col: col[0]});
			});
		});
		return out;
	}

	function build() {
		var grid = el("div", {"class": "grid"});
		charts.forEach(function (c) {
			var fig = el("figure", {"class": "chart live", "id": "chart-live-" + c.id, "data-chart": "live-" + c.id}, grid);
			var cap = el("figcaption", {}, fig);
			el("h2", {}, cap).textContent = c.title;
			c.legend = el("div", {"class": "legend"}, cap);
			var box = el("div", {"class": "svg"}, fig);
			c.svg = el("svg", {"viewBox": "0 0 " + W + " " + H, "role": "img", "aria-label": c.title + ", live"}, box);
		});
		main.textContent = "";
		main.appendChild(grid);
		if (!own) {
			topBox = el("div", {"class": "live-top", "id": "live-top", "aria-live": "off"}, main);
		}
	}

	// showTop puts the top processes of ev in place: the server's tables
	// (report's html, its numbers escaped there), by CPU then by memory.
	function showTop(ev) {
		var html = ev.top_html;
		if (!html || !topBox) {
			return;
		}
		topBox.innerHTML = ["cpu", "mem"].map(function (by) { return html[by] || ""; }).join("");
		topBox.setAttribute("data-live-top-t", String(ev.t));
	}

	function draw() {
		if (!events.length) {
			return;
		}
		// The time axis grows from a minute to the window as seconds come.
		var t1 = events[events.length - 1].t;
		var span = Math.min(windowSecs, Math.max(60, t1 - events[0].t));
		var t0 = t1 - span;
		var x = function (t) { return L + (W - L - R) * (t - t0) / span; };
		charts.forEach(function (c) {
			var ss = series(c);
			var last = events[events.length - 1];
			// The scale: fixed, or the largest value (or stack) seen.
			var top = c.max || 0, topText = "";
			if (!c.max) {
				events.forEach(function (ev) {
					ss.forEach(function (s) {
						var v = value(ev, c.view, s.thing, s.col);
						if (v !== null && v > top) {
							top = v;
							topText = text(ev, c.view, s.thing, s.col);
						}
					});
				});
			} else {
				topText = c.max + (c.unit || "");
			}
			top = top > 0 ? top : 1;
			var y = function (v) { return H - B - (H - T - B) * Math.min(v, top) / top; };
			var svg = c.svg;
			while (svg.firstChild) {
				svg.removeChild(svg.firstChild);
			}
			el("line", {"x1": L, "x2": W - R, "y1": H - B, "y2": H - B, "stroke": "#d9dde4"}, svg);
			el("line", {"x1": L, "x2": W - R, "y1": T, "y2": T, "stroke": "#eef0f3"}, svg);
			var lab = el("text", {"x": L + 2, "y": T + 11, "font-size": 11, "fill": "#5b6474"}, svg);
			lab.textContent = topText;
			var left = el("text", {"x": L, "y": H - 6, "font-size": 11, "fill": "#5b6474"}, svg);
			left.textContent = clock(t0);
			var right = el("text", {"x": W - R, "y": H - 6, "font-size": 11, "fill": "#5b6474", "text-anchor": "end"}, svg);
			right.textContent = clock(t1);
			if (c.stack) {
				stack(c, ss, svg, x, y);
			}
			ss.forEach(function (s, i) {
				if (c.stack) {
					return;
				}
				var d = "", pen = false;
				events.forEach(function (ev) {
					var v = value(ev, c.view, s.thing, s.col);
					if (v === null) {
						pen = false;
						return;
					}
					d += (pen ? "L" : "M") + x(ev.t).toFixed(1) + " " + y(v).toFixed(1);
					pen = true;
				});
				if (d) {
					el("path", {"d": d, "fill": "none", "stroke": colors[i % colors.length], "stroke-width": 1.5, "data-series": s.label}, svg);
				}
			});
			svg.appendChild(lab); // over the lines and areas
			// The legend: each line's value at the newest second.
			var legend = c.legend;
			legend.textContent = "";
			ss.forEach(function (s, i) {
				var item = el("span", {"class": "item"}, legend);
				var sw = el("svg", {"width": 10, "height": 10, "viewBox": "0 0 10 10"}, item);
				el("rect", {"width": 10, "height": 10, "fill": colors[i % colors.length]}, sw);
				item.appendChild(document.createTextNode(" " + s.label + " " + text(last, c.view, s.thing, s.col)));
			});
		});
	}

	// stack draws the series of c as areas stacked in their order (CPU by
	// mode), each from the top of the ones below it; a second without a
	// value (a counter reset) is a gap in every area.
	function stack(c, ss, svg, x, y) {
		var runs = [[]];
		events.forEach(function (ev) {
			var tops = [], sum = 0, ok = true;
			ss.forEach(function (s) {
				var v = value(ev, c.view, s.thing, s.col);
				ok = ok && v !== null;
				sum += v || 0;
				tops.push(sum);
			});
			if (ok) {
				runs[runs.length - 1].push({t: ev.t, tops: tops});
			} else if (runs[runs.length - 1].length) {
				runs.push([]);
			}
		});
		ss.forEach(function (s, i) {
			var d = "";
			runs.forEach(function (run) {
				if (!run.length) {
					return;
				}
				run.forEach(function (p, j) {
					d += (j ? "L" : "M") + x(p.t).toFixed(1) + " " + y(p.tops[i]).toFixed(1);
				});
				for (var j = run.length - 1; j >= 0; j--) {
					d += "L" + x(run[j].t).toFixed(1) + " " + y(i ? run[j].tops[i - 1] : 0).toFixed(1);
				}
				d += "Z";
			});
			if (d) {
				el("path", {"d": d, "fill": colors[i % colors.length], "fill-opacity": 0.85, "stroke": "none", "data-series": s.label}, svg);
			}
		});
	}

	function onEvent(msg) {
		var ev;
		try {
			ev = JSON.parse(msg.data);
		} catch (e) {
			return;
		}
		if (events.length && ev.t <= events[events.length - 1].t) {
			return; // already drawn (a reconnection's backlog)
		}
		if (!count) {
			build();
		}
		count++;
		events.push(ev);
		while (events.length && events[0].t <= ev.t - windowSecs) {
			events.shift();
		}
		showTop(ev);
		main.setAttribute("data-live-events", String(count));
		main.setAttribute("data-live-t", String(ev.t));
		var newest = document.getElementById("newest");
		if (newest) {
			newest.textContent = "newest " + clock(ev.t) + (ev.errors ? " · failed: " + ev.errors.join("; ") : "");
		}
		say("· live");
		if (!document.hidden) {
			draw();
		}
	}

	function connect() {
		es = new EventSource(src);
		es.onopen = function () {
			connects++;
			main.setAttribute("data-live-connects", String(connects));
			say("· live");
		};
		es.onmessage = onEvent;
		es.onerror = function () {
			if (es.readyState === EventSource.CLOSED) {
				// Refused (too many clients, shutting down): try again later.
				say("· live stream refused, retrying in 10 s");
				es.close();
				window.setTimeout(connect, 10000);
			} else {
				say("· live stream lost, reconnecting");
			}
		};
	}

	document.addEventListener("visibilitychange", function () {
		if (!document.hidden) {
			draw();
		}
	});
	connect();
})();
