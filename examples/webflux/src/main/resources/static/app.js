// Plain JavaScript, no build: one EventSource per panel, counting events and their rate.
"use strict";

const WINDOW_SECONDS = 5;   // the rate is over the last few seconds, so it falls to 0 when a stream stops
const KEPT_LINES = 50;

/** A panel's stream: opens an EventSource, counts `eventName` events, shows the last ones. */
function stream(prefix, eventName, show) {
  const el = id => document.getElementById(prefix + "-" + id);
  const panel = { source: null, count: 0, samples: [] };

  panel.open = url => {
    panel.close();
    panel.count = 0;
    panel.samples = [];
    el("count").textContent = "0";
    el("list").replaceChildren();
    setState("connecting", "");
    const source = new EventSource(url);
    panel.source = source;
    source.onopen = () => setState("open", "open");
    source.onerror = () => setState(source.readyState === EventSource.CLOSED
        ? "refused (a 4xx/5xx answer: another page reading this FIFO, or a bad name)" : "reconnecting",
        source.readyState === EventSource.CLOSED ? "closed" : "");
    source.addEventListener(eventName, event => {
      panel.count++;
      el("count").textContent = String(panel.count);
      const item = document.createElement("li");
      item.textContent = show(event);
      const list = el("list");
      list.prepend(item);
      while (list.childElementCount > KEPT_LINES) {
        list.lastElementChild.remove();
      }
    });
    source.addEventListener("heartbeat", event => setState("open, heartbeat " + event.data, "open"));
    source.addEventListener("failed", event => {
      setState("failed: " + event.data, "closed");
      source.close();
    });
    return source;
  };

  panel.close = () => {
    if (panel.source) {
      panel.source.close();
      panel.source = null;
      setState("stopped", "closed");
    }
  };

  function setState(text, cls) {
    el("state").textContent = text;
    el("state").className = "state " + cls;
  }

  // once a second: the rate over the last WINDOW_SECONDS samples of the count
  setInterval(() => {
    const now = performance.now();
    panel.samples.push([now, panel.count]);
    while (panel.samples.length > WINDOW_SECONDS + 1) {
      panel.samples.shift();
    }
    const [t0, c0] = panel.samples[0];
    const rate = now > t0 ? (panel.count - c0) * 1000 / (now - t0) : 0;
    el("rate").textContent = rate.toFixed(rate < 10 ? 1 : 0);
  }, 1000);
  return panel;
}

const fifo = stream("fifo", "line", event => event.data);
const jobs = stream("jobs", "result", event => {
  const r = JSON.parse(event.data);
  return r.error ? r.id + ": " + r.error
      : `${r.id}: ${r.words} words, ${r.bytes} bytes, sha256 ${r.sha256.slice(0, 12)}..., worker ${r.worker}`;
});
const ticker = stream("ticker", "tick", event => event.data);

function openFifo() {
  const name = document.getElementById("fifo-name").value;
  const source = fifo.open("fifo/" + encodeURIComponent(name));
  source.addEventListener("ready", event => {
    document.getElementById("fifo-hint").textContent = "echo hi > " + event.data;
  });
}

async function submitJob() {
  const answer = document.getElementById("jobs-answer");
  const response = await fetch("jobs", {
    method: "POST",
    headers: { "Content-Type": "text/plain" },
    body: document.getElementById("jobs-body").value
  });
  const reply = await response.json();
  answer.textContent = response.status + " " + (reply.id || reply.error);
}

document.getElementById("fifo-form").addEventListener("submit", event => {
  event.preventDefault();
  openFifo();
});
document.getElementById("jobs-form").addEventListener("submit", event => {
  event.preventDefault();
  submitJob();
});
document.getElementById("jobs-ten").addEventListener("click", async () => {
  for (let i = 0; i < 10; i++) {
    await submitJob();
  }
});
document.getElementById("ticker-toggle").addEventListener("click", event => {
  if (ticker.source) {
    ticker.close();
    event.target.textContent = "start";
  } else {
    ticker.open("ticker");
    event.target.textContent = "stop";
  }
});

openFifo();
jobs.open("jobs/results");
ticker.open("ticker");
