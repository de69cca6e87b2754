// Rate-limit status: the /throttle figures (data rate, MQTT authorisation rates, bans), account caps
// (/console/limits), and throttle and ban notices as they happen (live stream).
import { api } from '../lib/api.js';
import { html, useEffect, useState } from '../lib/html.js';
import { useLive } from '../lib/live.js';
import { Ago, ErrorBox, Spinner } from '../lib/ui.js';

function Figure({ label, value, hint }) {
  return html`<div><dt>${label}</dt><dd>${value}</dd>${hint && html`<small class="muted">${hint}</small>`}</div>`;
}

const cap = (n) => (n === 0 ? 'unlimited' : n);

export default function Limits() {
  const [throttle, setThrottle] = useState(null);
  const [usage, setUsage] = useState(null);
  const [error, setError] = useState(null);
  const [notices, setNotices] = useState([]);

  const load = () =>
    Promise.all([api.get('/throttle'), api.get('/console/limits')]).then(([t, u]) => {
      setThrottle(t);
      setUsage(u);
      setError(null);
    }, setError);
  useEffect(() => {
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);
  const note = (kind) => (d) => {
    setNotices((xs) => [{ kind, at: Date.now(), message: d.message, id: `${Date.now()}-${Math.random()}` }, ...xs].slice(0, 20));
    load();
  };
  useLive('throttle', note('throttle'));
  useLive('ban', note('ban'));

  if (error && !throttle) return html`<${ErrorBox} error=${error} retry=${load} />`;
  if (!throttle || !usage) return html`<${Spinner} />`;
  const rateLimit = throttle.data_rate_limit;
  return html`<section aria-labelledby="limits-title">
    <div class="page-head"><h1 id="limits-title">Limits</h1></div>
    <h2>Data rate</h2>
    <dl class="figures">
      <${Figure} label="Data points this minute" value=${throttle.active_data_rate} />
      <${Figure} label="Limit per minute" value=${cap(rateLimit)} />
    </dl>
    <h2>MQTT</h2>
    <dl class="figures">
      <${Figure} label="Connections this minute" value=${throttle.authentication_rate} />
      <${Figure} label="Subscribes this minute" value=${throttle.subscribe_authorization_rate} />
      <${Figure} label="Refused publishes this minute" value=${throttle.publish_authorization_rate} />
      <${Figure} label="Bans this hour" value=${throttle.hourly_ban_rate} />
    </dl>
    <p role="status" class=${throttle.mqtt_ban_error_message ? 'error-box' : 'muted'}>
      ${throttle.mqtt_ban_error_message ?? 'No MQTT ban in force.'}
    </p>
    <h2>Account</h2>
    <dl class="figures">
      ${['feeds', 'groups', 'dashboards'].map(
        (k) => html`<${Figure} label=${k[0].toUpperCase() + k.slice(1)} value=${`${usage[k].used} / ${cap(usage[k].max)}`} />`,
      )}
    </dl>
    <h2>Recent notices</h2>
    ${
      notices.length === 0
        ? html`<p class="muted">No throttle or ban notice since this page opened.</p>`
        : html`<ul class="notices">${notices.map((n) => html`<li key=${n.id}><span class=${`badge ${n.kind === 'ban' ? 'danger' : 'warn'}`}>${n.kind}</span> ${n.message} <${Ago} time=${n.at} /></li>`)}</ul>`
    }
  </section>`;
}
