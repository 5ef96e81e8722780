// srvmon serve: live updates and hover values. The page works without this
// script; it only swaps in fresh charts every data-refresh seconds and
// shows the values under the pointer.
"use strict";
(function () {
	var main = document.getElementById("charts");
	if (!main || !window.fetch) {
		return;
	}
	var src = main.getAttribute("data-src");
	var refresh = parseInt(main.getAttribute("data-refresh") || "0", 10);
	var offset = parseInt(main.getAttribute("data-utc-offset") || "0", 10);
	var live = document.getElementById("live");
	var hover = null; // chart id -> {t0, t1, series: [{name, t: [], v: []}]}
	var loading = null;
	var last = Date.now();
	var failedAt = 0;
	var pointer = null; // the last pointer position over a chart: {id, clientX, clientY}

	function setText(id, text) {
		var el = document.getElementById(id);
		if (el && typeof text === "string") {
			el.textContent = text;
		}
	}

	function pad(n) {
		return (n < 10 ? "0" : "") + n;
	}

	// timeText formats Unix seconds in the server's zone, as the axes are.
	function timeText(t) {
		var d = new Date((t + offset) * 1000);
		return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
			pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
	}

	function status(text) {
		if (live) {
			live.hidden = false;
			live.textContent = text;
		}
	}

	// load fetches the charts again and swaps them in.
	function load() {
		if (loading) {
			return loading;
		}
		loading = fetch(src, {headers: {"Accept": "application/json"}, cache: "no-store", credentials: "same-origin"})
			.then(function (resp) {
				if (!resp.ok) {
					throw new Error("HTTP " + resp.status);
				}
				return resp.json();
			})
			.then(function (data) {
				hideTip();
				// Keep open what the user unfolded.
				var open = Array.prototype.map.call(main.querySelectorAll("details[open]"), function (d) { return d.id; });
				main.innerHTML = data.main;
				open.forEach(function (id) {
					var d = id && document.getElementById(id);
					if (d) {
						d.open = true;
					}
				});
				hover = data.hover || {};
				if (pointer) {
					// Keep the tooltip where the pointer is.
					var fig = main.querySelector('figure.chart[data-chart="' + pointer.id + '"]');
					if (fig) {
						show(fig, pointer);
					}
				}
				setText("period", data.period);
				setText("newest", data.newest);
				last = Date.now();
				if (refresh > 0) {
					status("· live, every " + refresh + " s");
				}
			})
			.catch(function (err) {
				failedAt = Date.now();
				status("· update failed (" + err.message + "), retrying");
			})
			.then(function () {
				loading = null;
			});
		return loading;
	}

	if (refresh > 0) {
		status("· live, every " + refresh + " s");
		var tick = function () {
			if (!document.hidden) {
				load();
			}
			window.setTimeout(tick, refresh * 1000);
		};
		window.setTimeout(tick, refresh * 1000);
		document.addEventListener("visibilitychange", function () {
			if (!document.hidden && Date.now() - last > refresh * 1000) {
				load();
			}
		});
	}

	// Hover: a tooltip with the value of each series at the pointer.
	var tip = document.createElement("div");
	tip.className = "tip";
	tip.setAttribute("role", "status");

	function hideTip() {
		tip.style.display = "none";
		tip.removeAttribute("data-at");
		var lines = main.querySelectorAll("line.cursor");
		for (var i = 0; i < lines.length; i++) {
			lines[i].parentNode.removeChild(lines[i]);
		}
	}

	// geometry finds the plot area of a chart drawn by report.ChartOptions.SVG: its
	// time axis is the line of class "axis", the grid lines are of class
	// "grid" (report/svg.go).
	function geometry(svg) {
		var axis = svg.querySelector("line.axis");
		if (!axis) {
			return null;
		}
		var g = {
			left: parseFloat(axis.getAttribute("x1")),
			right: parseFloat(axis.getAttribute("x2")),
			bottom: parseFloat(axis.getAttribute("y1")),
			top: parseFloat(axis.getAttribute("y1"))
		};
		var grid = svg.querySelectorAll("line.grid");
		for (var i = 0; i < grid.length; i++) {
			g.top = Math.min(g.top, parseFloat(grid[i].getAttribute("y1")));
		}
		return g.right > g.left ? g : null;
	}

	// nearest returns the index of the time in ts nearest to t.
	function nearest(ts, t) {
		var lo = 0, hi = ts.length - 1;
		if (hi < 0) {
			return -1;
		}
		while (lo < hi) {
			var mid = (lo + hi) >> 1;
			if (ts[mid] < t) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		if (lo > 0 && t - ts[lo - 1] < ts[lo] - t) {
			lo--;
		}
		return lo;
	}

	// timeAt returns the Unix time under the pointer of ev on the chart
	// svg with hover data, null outside its plot area.
	function timeAt(svg, data, ev) {
		var g = geometry(svg);
		var ctm = svg.getScreenCTM();
		if (!g || !ctm) {
			return null;
		}
		var pt = svg.createSVGPoint();
		pt.x = ev.clientX;
		pt.y = ev.clientY;
		var p = pt.matrixTransform(ctm.inverse());
		if (p.x < g.left - 4 || p.x > g.right + 4 || p.y < g.top - 10 || p.y > g.bottom + 4) {
			return null;
		}
		var span = Math.max(data.t1 - data.t0, 1);
		return data.t0 + (p.x - g.left) / (g.right - g.left) * span;
	}

	function show(fig, ev) {
		var data = hover && hover[fig.getAttribute("data-chart")];
		var svg = fig.querySelector("svg");
		if (!data || !svg || !data.series || data.series.length === 0 || !svg.getScreenCTM) {
			return;
		}
		var t = timeAt(svg, data, ev);
		if (t === null) {
			hideTip();
			return;
		}
		var paths = svg.querySelectorAll("path");
		tip.textContent = "";
		var at = null;
		for (var i = 0; i < data.series.length; i++) {
			var s = data.series[i];
			var j = nearest(s.t, t);
			if (j < 0) {
				continue;
			}
			if (at === null) {
				at = s.t[j];
				var head = document.createElement("div");
				head.textContent = timeText(at);
				tip.appendChild(head);
			}
			var row = document.createElement("div");
			var dot = document.createElement("span");
			dot.textContent = "\u25cf ";
			if (paths[i]) {
				dot.style.color = paths[i].getAttribute("stroke");
			}
			row.appendChild(dot);
			row.appendChild(document.createTextNode(s.name + ": " + (s.v[j] === "" ? "no data" : s.v[j])));
			tip.appendChild(row);
		}
		if (at === null) {
			hideTip();
			return;
		}
		// The charts of a page share their time axis: the cursor crosses
		// them all at the time shown.
		var figs = main.querySelectorAll("figure.chart[data-chart]");
		for (var k = 0; k < figs.length; k++) {
			cursorAt(figs[k], at);
		}
		tip.setAttribute("data-at", at);
		if (tip.parentNode !== fig) {
			fig.appendChild(tip);
		}
		tip.style.display = "block";
		var box = fig.getBoundingClientRect();
		var left = ev.clientX - box.left + 14;
		if (left + tip.offsetWidth > box.width) {
			left = Math.max(0, ev.clientX - box.left - tip.offsetWidth - 14);
		}
		tip.style.left = left + "px";
		tip.style.top = Math.max(0, ev.clientY - box.top - tip.offsetHeight - 8) + "px";
	}

	// cursorAt draws the hover line of the chart of fig at Unix time t.
	function cursorAt(fig, t) {
		var data = hover && hover[fig.getAttribute("data-chart")];
		var svg = fig.querySelector("svg");
		var g = svg && geometry(svg);
		if (!data || !g || t < data.t0 || t > data.t1) {
			return;
		}
		var x = g.left + (t - data.t0) / Math.max(data.t1 - data.t0, 1) * (g.right - g.left);
		var cursor = svg.querySelector("line.cursor");
		if (!cursor) {
			cursor = document.createElementNS("http://www.w3.org/2000/svg", "line");
			cursor.setAttribute("class", "cursor");
			svg.appendChild(cursor);
		}
		cursor.setAttribute("x1", x);
		cursor.setAttribute("x2", x);
		cursor.setAttribute("y1", g.top);
		cursor.setAttribute("y2", g.bottom);
	}

	main.addEventListener("pointermove", function (ev) {
		var fig = ev.target.closest ? ev.target.closest("figure.chart") : null;
		if (!fig) {
			pointer = null;
			hideTip();
			return;
		}
		pointer = {id: fig.getAttribute("data-chart"), clientX: ev.clientX, clientY: ev.clientY};
		if (hover === null) {
			// The page came without hover data: fetch it (with fresh charts)
			// on first use, and not again at once if that failed.
			if (Date.now() - failedAt < 10000) {
				return;
			}
			load(); // shows the tooltip at the pointer when it arrives
			return;
		}
		show(fig, ev);
	});
	main.addEventListener("pointerleave", function () {
		pointer = null;
		hideTip();
	});

	// Who: a click on a CPU, memory or disk chart shows the top processes
	// and the services of the interval under the pointer (from the point
	// before to the point clicked: one recording interval, or one step of a
	// downsampled chart), as the server renders them (/api/v1/top and
	// /api/v1/services, format=html).
	var who = document.getElementById("who");
	var whoBy = {cpu: "cpu", mem: "mem", disk: "io"};

	function iso(t) {
		return new Date(t * 1000).toISOString();
	}

	// whoFor fetches and shows the tables of the query q (range or at, and
	// by).
	function whoFor(q, at) {
		q = "?" + q + "&format=html";
		who.setAttribute("aria-busy", "true");
		var part = function (path, n) {
			return fetch(path + q + n, {cache: "no-store", credentials: "same-origin"}).then(function (resp) {
				return resp.text().then(function (body) {
					if (resp.ok) {
						return body;
					}
					var p = document.createElement("p");
					p.className = "empty";
					try {
						p.textContent = JSON.parse(body).error;
					} catch (e) {
						p.textContent = "HTTP " + resp.status;
					}
					return p.outerHTML;
				});
			});
		};
		Promise.all([part("/api/v1/top", "&n=10"), part("/api/v1/services", "&n=10")]).then(function (parts) {
			// Server-rendered, every text escaped there (report.WriteTop).
			who.innerHTML = parts.join("");
			who.setAttribute("data-at", at);
		}).catch(function (err) {
			who.textContent = "could not load the processes: " + err.message;
		}).then(function () {
			who.removeAttribute("aria-busy");
		});
	}

	function showWho(fig, ev) {
		var id = fig.getAttribute("data-chart") || "";
		var by = whoBy[id.split("-")[0]];
		var data = hover && hover[id];
		var svg = fig.querySelector("svg");
		if (!by || !data || !svg || !data.series || data.series.length === 0) {
			return;
		}
		var t = timeAt(svg, data, ev);
		var s = data.series[0];
		var j = t === null ? -1 : nearest(s.t, t);
		if (j < 0) {
			return;
		}
		var range = j > 0 ? "from=" + encodeURIComponent(iso(s.t[j - 1])) + "&to=" + encodeURIComponent(iso(s.t[j] + 1)) :
			"at=" + encodeURIComponent(iso(s.t[j]));
		whoFor(range + "&by=" + by, s.t[j]);
	}

	var whoForm = document.getElementById("who-at");
	if (who && whoForm) {
		whoForm.addEventListener("submit", function (ev) {
			ev.preventDefault();
			whoFor("at=" + encodeURIComponent(whoForm.elements.at.value), whoForm.elements.at.value);
		});
	}
	if (who) {
		main.addEventListener("click", function (ev) {
			var fig = ev.target.closest ? ev.target.closest("figure.chart[data-chart]") : null;
			if (!fig || (ev.target.closest && ev.target.closest("a"))) {
				return;
			}
			if (hover === null) {
				// The charts are swapped in with the hover data: find the
				// clicked one again.
				var id = fig.getAttribute("data-chart");
				load().then(function () {
					var again = main.querySelector('figure.chart[data-chart="' + id + '"]');
					if (again) {
						showWho(again, ev);
					}
				});
				return;
			}
			showWho(fig, ev);
		});
	}
})();
