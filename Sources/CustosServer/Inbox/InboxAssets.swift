/// The inbox's three files. Plain HTML, CSS and JavaScript with no external assets, so the
/// inbox works on a network with no way out. Every value from the API is put on the page as
/// text (`textContent`), never as markup.
enum InboxAssets {
    static let page = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Custos · approvals</title>
        <link rel="stylesheet" href="/inbox/inbox.css">
        </head>
        <body>
        <header>
          <h1>Custos <span>approvals</span></h1>
          <div id="who" hidden><span id="identity"></span><span id="roles"></span><button id="sign-out" type="button">Sign out</button></div>
        </header>
        <main>
          <section id="sign-in-view">
            <form id="sign-in">
              <h2>Sign in</h2>
              <p>Paste your API key. It stays in this tab and is sent only to this server.</p>
              <label for="api-key">API key</label>
              <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false" required>
              <button id="sign-in-button" type="submit">Sign in</button>
              <p id="sign-in-error" class="error" role="alert"></p>
            </form>
          </section>
          <section id="inbox-view" hidden>
            <div class="toolbar">
              <label for="status-filter">Show</label>
              <select id="status-filter">
                <option value="pending" selected>pending</option>
                <option value="approved">approved</option>
                <option value="executed">executed</option>
                <option value="denied">denied</option>
                <option value="expired">expired</option>
                <option value="revoked">revoked</option>
                <option value="all">all</option>
              </select>
              <span id="live" aria-live="polite"></span>
              <span id="note" class="note"></span>
            </div>
            <div class="columns">
              <ul id="requests" aria-label="Requests"></ul>
              <article id="detail"><p class="empty">Choose a request to see its context.</p></article>
            </div>
          </section>
        </main>
        <script src="/inbox/inbox.js"></script>
        </body>
        </html>
        """#

    static let styleSheet = #"""
        :root { --ink: #1d2330; --muted: #5b6473; --line: #d9dee7; --bg: #f5f7fa; --card: #fff; --accent: #2f5bd3;
                --ok: #1f7a4d; --bad: #b3261e; --warn: #8a5a00; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--ink); font-size: 15px; line-height: 1.45; }
        header { display: flex; align-items: center; justify-content: space-between; padding: 12px 24px; background: var(--ink); color: #fff; }
        header h1 { margin: 0; font-size: 18px; font-weight: 600; letter-spacing: .02em; }
        header h1 span { font-weight: 400; opacity: .75; }
        #who { display: flex; gap: 12px; align-items: center; font-size: 14px; }
        #roles { opacity: .7; }
        button { font: inherit; border: 1px solid var(--line); background: var(--card); color: var(--ink); border-radius: 6px; padding: 6px 14px; cursor: pointer; }
        header button { background: transparent; color: #fff; border-color: rgba(255,255,255,.4); }
        button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
        button.approve { background: var(--ok); border-color: var(--ok); color: #fff; }
        button.deny { background: var(--bad); border-color: var(--bad); color: #fff; }
        button:disabled { opacity: .5; cursor: default; }
        main { padding: 20px 24px; }
        #sign-in { max-width: 420px; margin: 8vh auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 24px; }
        #sign-in h2 { margin-top: 0; }
        #sign-in p { color: var(--muted); }
        label { display: block; font-weight: 600; margin: 10px 0 4px; }
        input, select, textarea { font: inherit; width: 100%; padding: 7px 9px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
        #sign-in button { margin-top: 14px; }
        .error { color: var(--bad); min-height: 1.4em; }
        .toolbar { display: flex; gap: 10px; align-items: center; margin-bottom: 14px; }
        .toolbar label { margin: 0; }
        .toolbar select { width: auto; }
        #live { color: var(--accent); font-weight: 600; }
        .note { color: var(--warn); }
        .note.vouched { color: var(--muted); }
        bdi, code { unicode-bidi: isolate; }
        .lookalike { color: var(--bad); font-weight: 600; font-size: 13px; }
        ul.scope { margin: 0; }
        .columns { display: grid; grid-template-columns: minmax(280px, 380px) 1fr; gap: 18px; align-items: start; }
        #requests { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
        #requests li { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; cursor: pointer; }
        #requests li:hover { border-color: var(--accent); }
        #requests li.selected { border-color: var(--accent); box-shadow: 0 0 0 2px rgba(47,91,211,.18); }
        #requests li.new { animation: arrive 2s ease-out; }
        @keyframes arrive { from { background: #e4ecff; } to { background: var(--card); } }
        #requests .title { font-weight: 600; overflow-wrap: anywhere; }
        #requests .meta { color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
        #requests .empty, #detail .empty { color: var(--muted); cursor: default; }
        .badge { display: inline-block; font-size: 12px; font-weight: 600; border-radius: 999px; padding: 1px 9px; margin-left: 6px; background: #e8ebf1; color: var(--muted); }
        .badge.pending { background: #fff3d6; color: var(--warn); }
        .badge.approved, .badge.executed { background: #dcf3e6; color: var(--ok); }
        .badge.denied, .badge.expired, .badge.revoked { background: #fbe2e0; color: var(--bad); }
        #detail { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; min-height: 200px; }
        #detail h2 { margin: 0 0 12px; font-size: 18px; overflow-wrap: anywhere; }
        dl { display: grid; grid-template-columns: 150px 1fr; gap: 6px 14px; margin: 0 0 14px; }
        dt { color: var(--muted); }
        dd { margin: 0; overflow-wrap: anywhere; }
        code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        pre.payload { background: #f1f3f7; border-radius: 6px; padding: 10px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
        h3 { font-size: 15px; margin: 18px 0 8px; }
        .taint { color: var(--bad); }
        svg.lineage { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px; background: #fbfcfe; }
        svg.lineage rect { fill: #fff; stroke: #9aa6bb; }
        svg.lineage rect.resource { stroke: var(--accent); stroke-width: 2; }
        svg.lineage rect.tagged { stroke: var(--bad); }
        svg.lineage text { font-size: 11px; fill: var(--ink); }
        svg.lineage text.relation { fill: var(--muted); font-size: 10px; }
        svg.lineage path { fill: none; stroke: #9aa6bb; stroke-width: 1.2; }
        .decide { border-top: 1px solid var(--line); margin-top: 18px; padding-top: 14px; }
        .decide .buttons { display: flex; gap: 10px; margin-top: 10px; }
        .result { margin-top: 10px; font-weight: 600; }
        .result.ok { color: var(--ok); }
        .result.bad { color: var(--bad); }
        ul.plain { margin: 0; padding-left: 18px; }
        @media (max-width: 800px) { .columns { grid-template-columns: 1fr; } dl { grid-template-columns: 1fr; } }
        """#

    static let script = #"""
        "use strict";
        (function () {
          const state = { key: null, identity: null, roles: [], status: "pending", selected: null, shown: null, refreshing: false, seen: new Set(), loaded: false, timer: null, lastSeq: new Map(), liveUntil: 0, flash: null };
          const $ = (id) => document.getElementById(id);
          const SVG = "http://www.w3.org/2000/svg";

          // Elements with text children only: every value from the API is text, never markup.
          function el(tag, attributes, ...children) {
            const node = document.createElement(tag);
            for (const [name, value] of Object.entries(attributes || {})) {
              if (name === "class") node.className = value; else node.setAttribute(name, value);
            }
            for (const child of children) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
            return node;
          }
          function svg(tag, attributes, text) {
            const node = document.createElementNS(SVG, tag);
            for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
            if (text !== undefined) node.textContent = text;
            return node;
          }

          async function api(method, path, body) {
            const headers = { "Authorization": "Bearer " + state.key, "Accept": "application/json" };
            if (body !== undefined) headers["Content-Type"] = "application/json";
            const response = await fetch(path, { method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body) });
            let data = null;
            try { data = await response.json(); } catch (_) { data = null; }
            if (!response.ok) {
              const error = data && data.error;
              const failure = new Error(error ? error.message + (error.hint ? " (" + error.hint + ")" : "") : "the server answered " + response.status);
              failure.status = response.status;
              throw failure;
            }
            return data;
          }

          function since(text) {
            const seconds = Math.max(0, (Date.now() - Date.parse(text)) / 1000);
            if (seconds < 60) return Math.round(seconds) + " s ago";
            if (seconds < 3600) return Math.round(seconds / 60) + " min ago";
            if (seconds < 86400) return Math.round(seconds / 3600) + " h ago";
            return new Date(text).toISOString().slice(0, 10);
          }
          function badge(status) { return el("span", { class: "badge " + status }, status); }

          // Text an agent wrote, isolated so that a right-to-left override in it cannot reorder
          // what follows (a status, another field).
          const text = (value) => el("bdi", {}, value === null || value === undefined ? "" : String(value));
          // A node id, flagged when it holds anything but printable ASCII: a Cyrillic "а" or an
          // invisible character can make one id look like another.
          function nodeID(id, wrapper) {
            const shown = el(wrapper || "bdi", {}, id);
            if (!/[^\x20-\x7e]/.test(id)) return shown;
            const points = Array.from(id).filter((c) => !/[\x20-\x7e]/.test(c)).map((c) => "U+" + c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0"));
            return el("span", {}, shown, el("span", { class: "lookalike", title: "characters beyond ASCII: " + points.join(" ") }, " ⚠ not plain ASCII: " + points.slice(0, 6).join(" ") + (points.length > 6 ? " …" : "")));
          }
          const canDecide = () => state.roles.includes("approver");

          // Sign-in

          async function signIn(key) {
            state.key = key;
            let me;
            try {
              me = await api("GET", "/v1/whoami");
            } catch (error) {
              state.key = null;
              $("sign-in-error").textContent = error.status === 401 ? "This key is not valid: check it, or ask an admin for a new one." : error.message;
              return;
            }
            sessionStorage.setItem("custos.key", key);
            state.identity = me.identity;
            state.roles = me.roles || [];
            $("identity").textContent = me.identity;
            $("roles").textContent = state.roles.join(", ");
            $("who").hidden = false;
            $("sign-in-view").hidden = true;
            $("inbox-view").hidden = false;
            $("note").textContent = canDecide() ? "" : "This key has no approver role: you can read requests but not decide them.";
            $("api-key").value = "";
            await refresh();
            clearInterval(state.timer);
            state.timer = setInterval(refresh, 2000);
          }

          function signOut() {
            sessionStorage.removeItem("custos.key");
            clearInterval(state.timer);
            Object.assign(state, { key: null, identity: null, roles: [], selected: null, shown: null, loaded: false, seen: new Set(), lastSeq: new Map() });
            $("who").hidden = true;
            $("inbox-view").hidden = true;
            $("sign-in-view").hidden = false;
            $("api-key").value = "";
            $("requests").replaceChildren();
            $("detail").replaceChildren(el("p", { class: "empty" }, "Choose a request to see its context."));
          }

          // The list, refreshed every two seconds: new requests appear without a reload.

          async function refresh() {
            // One at a time: an older, slower answer must not be drawn over a newer one.
            if (!state.key || state.refreshing) return;
            state.refreshing = true;
            try { await refreshNow(); } finally { state.refreshing = false; }
          }

          async function refreshNow() {
            let data;
            try {
              data = await api("GET", "/v1/approvals?limit=200" + (state.status === "all" ? "" : "&status=" + state.status));
            } catch (error) {
              if (error.status === 401) { signOut(); $("sign-in-error").textContent = "Your key is no longer valid."; }
              else $("live").textContent = "Cannot reach the server: " + error.message;
              return;
            }
            const requests = data.requests || [];
            const fresh = requests.filter((request) => !state.seen.has(request.id));
            if (Date.now() > state.liveUntil) $("live").textContent = "";
            if (state.loaded && fresh.length > 0) {
              $("live").textContent = fresh.length === 1 ? "1 new request" : fresh.length + " new requests";
              state.liveUntil = Date.now() + 30000;
            }
            if (!state.key) return;
            const list = $("requests");
            list.replaceChildren(...requests.map((request) => item(request, state.loaded && fresh.includes(request))));
            if (requests.length === 0) list.append(el("li", { class: "empty" }, state.status === "all" ? "No requests yet." : "No " + state.status + " requests."));
            for (const request of requests) state.seen.add(request.id);
            state.loaded = true;
            const pending = state.status === "pending" ? requests.length : null;
            document.title = (pending ? "(" + pending + ") " : "") + "Custos · approvals";
            if (state.selected) {
              const current = requests.find((request) => request.id === state.selected);
              if (current && state.lastSeq.get(current.id) !== current.lastSeq) await show(current.id, true);
            }
          }

          function item(request, isNew) {
            const entry = el("li", { "data-request-id": request.id, tabindex: "0", class: (isNew ? "new " : "") + (request.id === state.selected ? "selected" : "") },
              el("div", { class: "title" }, text(request.action), " · ", nodeID(request.resource), badge(request.status)),
              el("div", { class: "meta" }, "by ", nodeID(request.requester), request.onBehalfOf ? " for " : "", request.onBehalfOf ? nodeID(request.onBehalfOf) : "", " · " + since(request.createdAt)),
              el("div", { class: "meta" }, text(request.justification)));
            entry.addEventListener("click", () => show(request.id));
            entry.addEventListener("keydown", (event) => { if (event.key === "Enter") show(request.id); });
            return entry;
          }

          // One request with its context.

          async function show(id, quietly) {
            state.selected = id;
            for (const entry of $("requests").children) entry.classList.toggle("selected", entry.dataset.requestId === id);
            // Another request's buttons must not stay on screen while this one loads.
            if (state.shown !== id) {
              state.shown = null;
              $("detail").replaceChildren(el("p", { class: "empty" }, "Loading…"));
            }
            let context;
            try {
              context = await api("GET", "/v1/approvals/" + encodeURIComponent(id) + "/context");
            } catch (error) {
              if (state.selected === id && !quietly) $("detail").replaceChildren(el("p", { class: "error" }, error.message));
              return;
            }
            // The approver chose another request meanwhile: this answer is stale.
            if (state.selected !== id || context.request.id !== id) return;
            const keepReason = state.shown === id && $("reason") ? $("reason").value : "";
            state.lastSeq.set(id, context.request.lastSeq);
            $("detail").replaceChildren(...detail(context));
            state.shown = id;
            if ($("reason")) $("reason").value = keepReason;
          }

          function detail(context) {
            const request = context.request;
            const rule = context.rule || request.rule || {};
            const parts = [];
            parts.push(el("h2", {}, text(request.action), " · ", nodeID(request.resource), badge(request.status)));
            const facts = el("dl", { id: "facts" });
            const fact = (name, ...value) => { facts.append(el("dt", {}, name), el("dd", {}, ...value)); };
            fact("Request", el("code", {}, request.id));
            fact("Requester", nodeID(request.requester));
            if (request.onBehalfOf) fact("On behalf of", nodeID(request.onBehalfOf), request.onBehalfOfSource === "credentials"
              ? el("p", { class: "note vouched", id: "on-behalf-of-source" }, "Vouched for: the requester's credentials name whom it acts for.")
              : el("p", { class: "note", id: "on-behalf-of-source" }, "Only the requester says so: its credentials do not name whom it acts for, and nothing checked this."));
            fact("Action", text(request.action));
            fact("Resource", nodeID(request.resource, "code"));
            const scope = request.scope || [];
            const beyond = !(scope.length === 1 && scope[0] === request.resource);
            fact("Scope", el("ul", { class: "plain scope" }, ...scope.map((pattern) => el("li", {}, nodeID(pattern, "code")))),
              beyond ? el("p", { class: "note", id: "scope-warning" }, "The token would reach beyond the resource: " + scope.length + " pattern(s), each limited to what rule " + (rule.name || "") + " governs.") : null);
            fact("Justification", text(request.justification));
            fact("Policy rule", rule.name + " (" + (rule.file || "policy") + (rule.line ? ", line " + rule.line : "") + "): " + rule.decision.replace("_", " ")
              + (rule.inheritsTags ? ", when the resource inherits " + rule.inheritsTags.join(" or ") : ""));
            fact("Needs", request.requiredApprovals + " approval(s) from " + ((request.approvers || []).length ? request.approvers.join(", ") : "any human") + "; " + request.approvals.length + " so far");
            fact("Asked", request.createdAt + " (" + since(request.createdAt) + ")");
            fact("Expires", request.expiresAt);
            if (request.statusReason) fact("Status", request.status + ": " + request.statusReason);
            parts.push(facts);

            parts.push(el("h3", {}, "Payload (masked)"));
            parts.push(request.payload ? el("pre", { class: "payload", id: "payload" }, request.payload) : el("p", { class: "empty" }, "No payload."));
            if (request.payloadFindings) {
              parts.push(el("p", { class: "meta" }, "Masked: " + Object.entries(request.payloadFindings).map(([type, count]) => count + " × " + type).join(", ")));
            }

            if ((request.lineage || []).length) {
              parts.push(el("h3", {}, "Sensitive data upstream"));
              parts.push(el("ul", { class: "plain" }, ...request.lineage.map((taint) =>
                el("li", { class: "taint" }, text(taint.tag || ""), " from ", nodeID(taint.source || ""), (taint.path || []).length ? ": " : "", ...(taint.path || []).flatMap((step, index) => [index ? ", " : "", nodeID(step.from), " → ", nodeID(step.to)])))));
            }

            parts.push(el("h3", {}, "Upstream lineage of the resource"));
            parts.push(lineagePicture(context.lineage, request));

            if (request.approvals.length || request.refusals.length) {
              parts.push(el("h3", {}, "History"));
              parts.push(el("ul", { class: "plain" },
                ...request.approvals.map((approval) => el("li", {}, "approved by ", nodeID(approval.approver), " at " + approval.time, approval.reason ? ": " : "", approval.reason ? text(approval.reason) : "")),
                ...request.refusals.map((refusal) => el("li", { class: "taint" }, refusal.kind + " by ", nodeID(refusal.actor), " refused: ", text(refusal.reason)))));
            }

            if (request.status === "pending") parts.push(decisionForm(request));
            const flash = state.flash && state.flash.id === request.id ? state.flash : null;
            parts.push(el("p", { id: "result", class: "result" + (flash ? (flash.ok ? " ok" : " bad") : ""), role: "status" }, flash ? flash.text : ""));
            return parts;
          }

          // Upstream lineage as a picture: the resource on the right, each step upstream a
          // column further left.
          function lineagePicture(lineage, request) {
            const nodes = ((lineage && lineage.nodes) || []).slice();
            if (nodes.length === 0) return el("p", { class: "empty" }, "No recorded lineage for this resource yet.");
            // The trace lists what it reached; the resource itself is the picture's right end.
            if (!nodes.some((node) => node.id === lineage.start)) nodes.unshift({ id: lineage.start, depth: 0 });
            const tagged = new Set((request.lineage || []).map((taint) => taint.source));
            const columns = new Map();
            for (const node of nodes) {
              if (!columns.has(node.depth)) columns.set(node.depth, []);
              columns.get(node.depth).push(node.id);
            }
            const depth = Math.max(...columns.keys());
            const width = 190, gap = 80, height = 34, rowGap = 14;
            const rows = Math.max(...[...columns.values()].map((column) => column.length));
            const totalWidth = (depth + 1) * width + depth * gap + 20;
            const totalHeight = rows * (height + rowGap) + 10;
            const place = new Map();
            for (const [level, ids] of columns) {
              ids.forEach((id, index) => {
                const x = 10 + (depth - level) * (width + gap);
                const y = 5 + index * (height + rowGap) + (rows - ids.length) * (height + rowGap) / 2;
                place.set(id, { x, y });
              });
            }
            const picture = svg("svg", { class: "lineage", viewBox: "0 0 " + totalWidth + " " + totalHeight, role: "img", "aria-label": "upstream lineage of " + request.resource });
            for (const edge of (lineage.edges || [])) {
              const from = place.get(edge.from), to = place.get(edge.to);
              if (!from || !to) continue;
              const x1 = from.x + width, y1 = from.y + height / 2, x2 = to.x, y2 = to.y + height / 2;
              const middle = (x1 + x2) / 2;
              picture.append(svg("path", { d: "M" + x1 + "," + y1 + " C" + middle + "," + y1 + " " + middle + "," + y2 + " " + x2 + "," + y2 }));
              picture.append(svg("text", { x: middle, y: (y1 + y2) / 2 - 3, "text-anchor": "middle", class: "relation" }, edge.relation));
            }
            for (const [id, at] of place) {
              const classes = id === request.resource ? "resource" : (tagged.has(id) ? "tagged" : "");
              const group = svg("g", {});
              group.append(svg("title", {}, id));
              group.append(svg("rect", { x: at.x, y: at.y, width, height, rx: 6, class: classes }));
              const label = id.length > 30 ? id.slice(0, 14) + "…" + id.slice(-15) : id;
              group.append(svg("text", { x: at.x + 8, y: at.y + height / 2 + 4 }, label));
              picture.append(group);
            }
            const box = el("div", {}, picture);
            if (lineage.truncated) box.append(el("p", { class: "meta" }, "Cut short: " + lineage.truncated));
            return box;
          }

          function decisionForm(request) {
            const form = el("div", { class: "decide" });
            form.append(el("label", { for: "reason" }, "Reason (required to deny)"));
            form.append(el("textarea", { id: "reason", rows: "2" }));
            const approve = el("button", { id: "approve", type: "button", class: "approve" }, "Approve");
            const deny = el("button", { id: "deny", type: "button", class: "deny" }, "Deny");
            const say = (text, ok) => {
              state.flash = { id: request.id, text, ok };
              const result = $("result");
              if (result) { result.className = "result " + (ok ? "ok" : "bad"); result.textContent = text; }
            };
            if (!canDecide()) { approve.disabled = true; deny.disabled = true; form.append(el("p", { class: "note" }, "Your key cannot decide requests.")); }
            const decide = async (verb) => {
              const reason = $("reason").value.trim();
              if (verb === "deny" && !reason) { say("Say why you deny it.", false); return; }
              approve.disabled = true; deny.disabled = true;
              try {
                const decided = await api("POST", "/v1/approvals/" + encodeURIComponent(request.id) + "/" + verb, reason ? { reason } : {});
                say(verb === "approve"
                  ? (decided.status === "approved" ? "Approved: the requester may go ahead." : "Your approval is recorded; " + (decided.requiredApprovals - decided.approvals.length) + " more needed.")
                  : "Denied.", true);
                if (state.selected === request.id) await show(request.id, true);
                await refresh();
              } catch (error) {
                say(error.message, false);
                approve.disabled = false; deny.disabled = false;
              }
            };
            approve.addEventListener("click", () => decide("approve"));
            deny.addEventListener("click", () => decide("deny"));
            form.append(el("div", { class: "buttons" }, approve, deny));
            return form;
          }

          // Wiring

          $("sign-in").addEventListener("submit", (event) => {
            event.preventDefault();
            $("sign-in-error").textContent = "";
            signIn($("api-key").value.trim());
          });
          $("sign-out").addEventListener("click", signOut);
          $("status-filter").addEventListener("change", (event) => {
            state.status = event.target.value;
            state.loaded = false;
            $("live").textContent = "";
            refresh();
          });
          const remembered = sessionStorage.getItem("custos.key");
          if (remembered) signIn(remembered);
        })();
        """#
}
