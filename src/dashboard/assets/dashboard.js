// The ases dashboard's script: the sign-in form, then the charts and panels, polled from the REST
// API with the session cookie. Every URL is relative to the page (<base>/dashboard), so the API is
// at `v1/...` wherever the host mounts ases. Data goes into the page as text only (textContent).
(function () {
  'use strict';

  var POLL_MS = 5000;
  var RANGES = {
    minute: { label: 'last hour, per minute' },
    hour: { label: 'last 14 days, per hour' },
  };

  function $(testid) {
    return document.querySelector('[data-testid="' + testid + '"]');
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  // ---------------------------------------------------------------- sign-in

  function setUpSignIn() {
    var form = document.getElementById('signin-form');
    var input = document.getElementById('api-key');
    var error = $('signin-error');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      error.textContent = '';
      var button = form.querySelector('button');
      button.disabled = true;
      fetch('dashboard/session', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ key: input.value }),
      })
        .then(function (response) {
          if (response.status === 204) {
            input.value = '';
            window.location.reload();
            return;
          }
          return response
            .json()
            .catch(function () {
              return {};
            })
            .then(function (body) {
              error.textContent =
                response.status === 401
                  ? 'Wrong API key.'
                  : (body && body.message) || 'Sign-in failed (HTTP ' + response.status + ').';
              input.select();
            });
        })
        .catch(function () {
          error.textContent = 'The service cannot be reached.';
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  }

  // ---------------------------------------------------------------- API

  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }

  function api(path, init) {
    var options = Object.assign(
      { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } },
      init || {},
    );
    return fetch(path, options).then(
      function (response) {
        if (response.status === 401) {
          // The session ended (expired, signed out elsewhere, or the keys changed).
          window.location.reload();
          throw new ApiError(401, 'signed out');
        }
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            if (!response.ok) {
              throw new ApiError(
                response.status,
                (body && body.message) || 'HTTP ' + response.status,
              );
            }
            return body;
          });
      },
      function () {
        throw new ApiError(0, 'unreachable');
      },
    );
  }

  // ---------------------------------------------------------------- formatting

  var integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  var decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

  function formatCount(value) {
    return value === null || value === undefined ? '–' : integer.format(value);
  }

  function formatNumber(value) {
    return value === null || value === undefined ? '–' : decimal.format(value);
  }

  function formatRate(fraction) {
    if (fraction === null || fraction === undefined) {
      return '–';
    }
    var percent = fraction * 100;
    return (percent < 1 && percent > 0 ? percent.toFixed(3) : percent.toFixed(2)) + ' %';
  }

  function formatTime(iso) {
    if (!iso) {
      return '';
    }
    var date = new Date(iso);
    return isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
  }

  function ago(iso) {
    var seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    if (!isFinite(seconds)) {
      return '';
    }
    if (seconds < 90) {
      return 'just now';
    }
    if (seconds < 5400) {
      return Math.round(seconds / 60) + ' min ago';
    }
    if (seconds < 129600) {
      return Math.round(seconds / 3600) + ' h ago';
    }
    return Math.round(seconds / 86400) + ' d ago';
  }

  /** Shows `value` in the element with `testid`: `text` for people, `data-value` for scripts. */
  function show(testid, value, format) {
    var node = $(testid);
    if (!node) {
      return;
    }
    node.dataset.value = value === null || value === undefined ? '' : String(value);
    node.textContent = (format || formatCount)(value);
  }

  // ---------------------------------------------------------------- charts

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  var charts = {};
  var SPARSE = { rate: true, queueDepth: true, feedbackLagSeconds: true };

  function perSecond(points, step) {
    return points.map(function (p) {
      return p.sent / step;
    });
  }

  function rateOf(points, numerator) {
    return points.map(function (p) {
      var volume = p.delivered + p.bounced;
      return volume > 0 ? (p[numerator] / volume) * 100 : null;
    });
  }

  function constant(points, value) {
    return points.map(function () {
      return value === null || value === undefined ? null : value * 100;
    });
  }

  /** The chart definitions: series (label, colour variable, values from the stats and guard). */
  function chartSpecs() {
    return {
      volume: {
        series: [
          ['Sent', '--c-sent', 'sent'],
          ['Delivered', '--c-delivered', 'delivered'],
          ['Bounced', '--c-bounced', 'bounced'],
          ['Complained', '--c-complained', 'complained'],
          ['Failed', '--c-failed', 'failed'],
        ],
      },
      engagement: {
        series: [
          ['Opened', '--c-opened', 'opened'],
          ['Opened by people', '--c-opened-human', 'openedHuman'],
          ['Clicked', '--c-clicked', 'clicked'],
          ['Clicked by people', '--c-clicked-human', 'clickedHuman'],
        ],
      },
      'bounce-rate': {
        unit: '%',
        series: [
          ['Bounce rate', '--c-bounced', 'rate', 'bounced'],
          ['Warning', '--c-warning', 'line', 'warning', 'bounceRate'],
          ['Guard', '--c-guard', 'line', 'guard', 'bounceRate'],
          ['SES review', '--c-review', 'line', 'review', 'bounceRate'],
          ['SES pause', '--c-pause', 'line', 'pause', 'bounceRate'],
        ],
      },
      'complaint-rate': {
        unit: '%',
        series: [
          ['Complaint rate', '--c-complained', 'rate', 'complained'],
          ['Warning', '--c-warning', 'line', 'warning', 'complaintRate'],
          ['Guard', '--c-guard', 'line', 'guard', 'complaintRate'],
          ['SES review', '--c-review', 'line', 'review', 'complaintRate'],
          ['SES pause', '--c-pause', 'line', 'pause', 'complaintRate'],
        ],
      },
      'send-rate': {
        series: [
          ['Sent per second', '--c-sent', 'persecond'],
          ['Limit', '--c-guard', 'sendRateLimit'],
        ],
      },
      queue: { series: [['Queue depth', '--c-sent', 'queueDepth']] },
      lag: { series: [['Feedback lag (s)', '--c-opened-human', 'feedbackLagSeconds']] },
    };
  }

  function thresholdOf(thresholds, level, field) {
    if (!thresholds) {
      return null;
    }
    var group =
      level === 'review' || level === 'pause'
        ? thresholds.ses && thresholds.ses[level]
        : thresholds[level];
    return group ? group[field] : null;
  }

  function columnsFor(spec, stats, thresholds) {
    var points = stats.points;
    return spec.series.map(function (s) {
      var source = s[2];
      if (source === 'rate') {
        return rateOf(points, s[3]);
      }
      if (source === 'line') {
        return constant(points, thresholdOf(thresholds, s[3], s[4]));
      }
      if (source === 'persecond') {
        return perSecond(points, stats.stepSeconds);
      }
      return points.map(function (p) {
        var value = p[source];
        return value === undefined ? null : value;
      });
    });
  }

  function plotSize(container) {
    var width = Math.max(200, Math.floor(container.clientWidth));
    return { width: width, height: width < 500 ? 170 : 190 };
  }

  function buildChart(id, spec, data, range) {
    var container = document.querySelector('[data-chart="' + id + '"]');
    clear(container);
    var fg = cssVar('--muted');
    var grid = cssVar('--grid');
    var axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    var yAxis = Object.assign({}, axis, {
      size: 48,
      values: function (u, splits) {
        return splits.map(function (v) {
          return spec.unit ? decimal.format(v) + spec.unit : formatNumber(v);
        });
      },
    });
    var series = [{}].concat(
      spec.series.map(function (s, i) {
        var dashed = s[2] === 'line' || s[2] === 'sendRateLimit';
        var colour = cssVar(s[1]);
        return {
          label: s[0],
          stroke: colour,
          // The first series of a chart (sent, opened) is shaded: the others are parts of it.
          fill: i === 0 && !dashed && /^#[0-9a-f]{6}$/i.test(colour) ? colour + '1f' : undefined,
          width: dashed ? 1.25 : 2,
          dash: dashed ? [6, 4] : undefined,
          spanGaps: false,
          // Series with gaps (no volume, no sample) may be single points: always drawn.
          points: dashed ? { show: false } : SPARSE[s[2]] ? { show: true, size: 4 } : { size: 5 },
          value: function (u, v) {
            return v === null || v === undefined ? '–' : decimal.format(v) + (spec.unit || '');
          },
        };
      }),
    );
    var size = plotSize(container);
    var options = {
      width: size.width,
      height: size.height,
      series: series,
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: {
        x: { time: true },
        y: {
          range: function (u, min, max) {
            var top = max === null || max <= 0 ? 1 : max * 1.1;
            return [0, top];
          },
        },
      },
      axes: [Object.assign({}, axis, { space: range === 'hour' ? 70 : 50 }), yAxis],
    };
    return new window.uPlot(options, data, container);
  }

  function renderCharts(stats, thresholds, range) {
    var specs = chartSpecs();
    var xs = stats.points.map(function (p) {
      return Math.floor(new Date(p.at).getTime() / 1000);
    });
    Object.keys(specs).forEach(function (id) {
      var data = [xs].concat(columnsFor(specs[id], stats, thresholds));
      var existing = charts[id];
      if (existing && existing.range === range) {
        existing.plot.setData(data);
        return;
      }
      if (existing) {
        existing.plot.destroy();
      }
      charts[id] = { plot: buildChart(id, specs[id], data, range), range: range };
    });
  }

  function resizeCharts() {
    Object.keys(charts).forEach(function (id) {
      var container = document.querySelector('[data-chart="' + id + '"]');
      charts[id].plot.setSize(plotSize(container));
    });
  }

  // ---------------------------------------------------------------- panels

  function lastNonNull(points, field) {
    for (var i = points.length - 1; i >= 0; i--) {
      if (points[i][field] !== null && points[i][field] !== undefined) {
        return points[i][field];
      }
    }
    return null;
  }

  function maxOf(values) {
    var max = null;
    values.forEach(function (v) {
      if (v !== null && v !== undefined && (max === null || v > max)) {
        max = v;
      }
    });
    return max;
  }

  function renderStats(stats) {
    var t = stats.totals;
    show('total-sent', t.sent);
    show('total-delivered', t.delivered);
    show('total-bounced', t.bounced);
    show('total-complained', t.complained);
    show('total-failed', t.failed);
    show('total-suppressed', t.suppressed);
    show('total-opened', t.opened);
    show('total-opened-human', t.openedHuman);
    show('total-clicked', t.clicked);
    show('total-clicked-human', t.clickedHuman);
    var volume = t.delivered + t.bounced;
    show('range-bounce-rate', volume > 0 ? t.bounced / volume : null, formatRate);
    show('range-complaint-rate', volume > 0 ? t.complained / volume : null, formatRate);
    show('peak-send-rate', maxOf(perSecond(stats.points, stats.stepSeconds)), formatNumber);
    show('queue-depth', lastNonNull(stats.points, 'queueDepth'));
    show('feedback-lag', lastNonNull(stats.points, 'feedbackLagSeconds'), formatNumber);
    show(
      'feedback-lag-max',
      maxOf(
        stats.points.map(function (p) {
          return p.feedbackLagSeconds;
        }),
      ),
      formatNumber,
    );
  }

  function renderReputation(rep) {
    var state = rep.state;
    [$('guard-state'), $('guard-badge')].forEach(function (badge) {
      badge.dataset.state = state;
    });
    $('guard-state').textContent = state;
    $('guard-badge').textContent = 'guard: ' + state;
    var since = $('guard-since');
    // A guard that never changed state reports the epoch: nothing worth saying.
    since.textContent =
      rep.since && new Date(rep.since).getTime() > 0 ? 'since ' + ago(rep.since) : '';
    since.title = formatTime(rep.since);
    var reason = rep.reason || '';
    if (rep.pausedCategories) {
      reason += (reason ? ' · ' : '') + 'paused: ' + rep.pausedCategories + ' mail';
    }
    if (!reason && rep.resumedBy) {
      reason = 'last pause ended ' + (rep.resumedBy === 'hand' ? 'by hand' : 'as the rate fell');
    }
    $('guard-reason').textContent = reason;
    ['24h', '7d'].forEach(function (window) {
      var f = (rep.windows && rep.windows[window]) || {};
      ['sent', 'delivered', 'bounced', 'complained', 'volume'].forEach(function (field) {
        show('rep-' + window + '-' + field, f[field]);
      });
      show('rep-' + window + '-bounce-rate', f.bounceRate, formatRate);
      show('rep-' + window + '-complaint-rate', f.complaintRate, formatRate);
    });
    var th = rep.thresholds;
    $('guard-thresholds').textContent = th
      ? 'Bounce: warning ' +
        formatRate(th.warning.bounceRate) +
        ', guard ' +
        formatRate(th.guard.bounceRate) +
        ', SES review ' +
        formatRate(th.ses.review.bounceRate) +
        '. Complaints: warning ' +
        formatRate(th.warning.complaintRate) +
        ', guard ' +
        formatRate(th.guard.complaintRate) +
        ', SES review ' +
        formatRate(th.ses.review.complaintRate) +
        '. Acts from ' +
        formatCount(th.minVolume) +
        ' sends.'
      : '';
    renderCategories(rep.categories || {});
    $('guard-resume').hidden = state !== 'paused';
  }

  function renderCategories(categories) {
    var holder = $('guard-categories');
    clear(holder);
    var names = Object.keys(categories).sort();
    if (names.length === 0) {
      return;
    }
    var table = el('table', 'figures');
    var head = el('tr');
    holder.appendChild(el('h3', '', 'By category, last 24 h'));
    ['', 'Volume', 'Bounces', 'Complaints'].forEach(function (label) {
      head.appendChild(el('th', '', label));
    });
    table.appendChild(el('thead')).appendChild(head);
    var body = table.appendChild(el('tbody'));
    names.forEach(function (name) {
      var f = categories[name]['24h'] || {};
      var row = el('tr');
      row.appendChild(el('th', '', name));
      row.appendChild(el('td', '', formatCount(f.volume)));
      row.appendChild(el('td', '', formatRate(f.bounceRate)));
      row.appendChild(el('td', '', formatRate(f.complaintRate)));
      body.appendChild(row);
    });
    holder.appendChild(table);
  }

  function renderSending(sending) {
    show('sending-rate', sending.rate, formatNumber);
    show('sending-ceiling', sending.ceiling, formatNumber);
    var paused = $('sending-paused');
    paused.dataset.value = sending.paused ? 'paused' : 'running';
    paused.textContent = sending.paused ? 'paused' : 'running';
    paused.title = sending.paused ? sending.paused.reason : '';
    show('stale-queued', sending.stale && sending.stale.queued);
    show('stale-pushed', sending.stale && sending.stale.pushed);
  }

  /** A message as a list item: a button that opens its timeline. */
  function messageItem(record, why, when) {
    var item = el('li');
    var button = el('button');
    button.type = 'button';
    button.dataset.id = record.id;
    button.appendChild(el('span', 'to', record.to || record.subject || record.id));
    var badge = el('span', 'badge', record.status);
    badge.dataset.state = record.status;
    button.appendChild(badge);
    button.appendChild(el('span', 'why', why));
    button.appendChild(el('span', 'when', when));
    button.title = record.subject || '';
    button.addEventListener('click', function () {
      openTimeline(record.id);
    });
    item.appendChild(button);
    return item;
  }

  function renderList(testid, messages, describe, empty) {
    var list = $(testid);
    clear(list);
    if (messages.length === 0) {
      list.appendChild(el('li', 'muted', empty));
      return;
    }
    messages.forEach(function (record) {
      var d = describe(record);
      list.appendChild(messageItem(record, d[0], d[1]));
    });
  }

  function renderFailed(page) {
    renderList(
      'failed-list',
      page.messages || [],
      function (r) {
        return [r.error ? r.error.code + ': ' + r.error.message : r.subject, ago(r.failedAt)];
      },
      'No failed messages.',
    );
  }

  function renderStale(page) {
    renderList(
      'stale-list',
      page.messages || [],
      function (r) {
        return [
          r.stale ? r.stale.reason + ' since ' + formatTime(r.stale.since) : r.subject,
          r.stale ? ago(r.stale.staleAt) : '',
        ];
      },
      'No stale messages.',
    );
  }

  // ---------------------------------------------------------------- search and timeline

  function showTimeline(record) {
    var panel = $('timeline');
    var dl = $('timeline-record');
    clear(dl);
    var rows = [
      ['Id', record.id],
      ['Status', record.status],
      ['SES id', record.sesMessageId],
      ['From', record.from],
      ['To', record.to],
      ['Subject', record.subject],
      ['Category', record.category || 'transactional'],
      ['Queued', formatTime(record.queuedAt)],
    ];
    if (record.bounce) {
      rows.push([
        'Bounce',
        [record.bounce.type, record.bounce.subType, record.bounce.status].join(' '),
      ]);
    }
    if (record.error) {
      rows.push(['Error', record.error.code + ': ' + record.error.message]);
    }
    rows.forEach(function (row) {
      if (row[1] === undefined || row[1] === null || row[1] === '') {
        return;
      }
      dl.appendChild(el('dt', '', row[0]));
      var dd = dl.appendChild(el('dd', '', row[1]));
      dd.dataset.field = row[0].toLowerCase().replace(/ /g, '-');
    });
    var events = $('timeline-events');
    clear(events);
    (record.events || []).forEach(function (event) {
      var item = el('li');
      item.dataset.testid = 'timeline-event';
      item.dataset.type = event.type;
      item.appendChild(el('span', 'type', event.type));
      item.appendChild(document.createTextNode(' · ' + formatTime(event.at)));
      var parts = [];
      if (event.recipient) {
        parts.push(event.recipient);
      }
      if (event.detail) {
        parts.push(event.detail);
      }
      if (event.hit) {
        parts.push(event.hit.class + ' (' + event.hit.rule + ')');
      }
      if (parts.length > 0) {
        item.appendChild(el('span', 'detail', parts.join(' · ')));
      }
      events.appendChild(item);
    });
    panel.hidden = false;
    panel.scrollIntoView({ block: 'nearest' });
  }

  function openTimeline(id) {
    var error = $('search-error');
    error.textContent = '';
    return api('v1/messages/' + encodeURIComponent(id)).then(showTimeline, function (failure) {
      error.textContent =
        failure.status === 404
          ? 'No message with id ' + id + '.'
          : 'Search failed: ' + failure.message;
    });
  }

  function search(term) {
    var results = $('search-results');
    var error = $('search-error');
    clear(results);
    error.textContent = '';
    if (term === '') {
      return;
    }
    if (term.indexOf('@') < 0) {
      openTimeline(term);
      return;
    }
    api('v1/messages?limit=20&to=' + encodeURIComponent(term)).then(
      function (page) {
        var messages = page.messages || [];
        if (messages.length === 0) {
          error.textContent = 'No recent message to ' + term + '.';
          return;
        }
        if (messages.length === 1) {
          openTimeline(messages[0].id);
        }
        messages.forEach(function (record) {
          results.appendChild(messageItem(record, record.subject, ago(record.queuedAt)));
        });
      },
      function (failure) {
        error.textContent = 'Search failed: ' + failure.message;
      },
    );
  }

  // ---------------------------------------------------------------- polling

  var state = { range: 'minute', timer: null, thresholds: null, busy: false, again: false };

  function setLive(ok, text) {
    var live = $('live-status');
    live.dataset.state = ok ? 'ok' : 'error';
    live.textContent = text;
  }

  function refresh() {
    if (state.busy) {
      // Once the poll under way ends (a range change, or the tab shown again).
      state.again = true;
      return Promise.resolve();
    }
    state.busy = true;
    clearTimeout(state.timer);
    var range = state.range;
    var calls = [
      api('v1/stats?resolution=' + range),
      api('v1/reputation'),
      api('v1/sending'),
      api('v1/messages?status=FAILED&limit=10'),
      api('v1/messages?status=STALE&limit=10'),
      api('v1/suppressions/count'),
    ];
    return Promise.allSettled(calls)
      .then(function (results) {
        var value = function (i) {
          return results[i].status === 'fulfilled' ? results[i].value : null;
        };
        var rep = value(1);
        if (rep) {
          state.thresholds = rep.thresholds;
          renderReputation(rep);
        }
        var stats = value(0);
        if (stats && range === state.range) {
          renderStats(stats);
          renderCharts(stats, state.thresholds, range);
          $('charts').dataset.range = range;
        }
        if (value(2)) {
          renderSending(value(2));
        }
        if (value(3)) {
          renderFailed(value(3));
        }
        if (value(4)) {
          renderStale(value(4));
        }
        if (value(5)) {
          show('suppression-count', value(5).count);
        }
        var failures = results.filter(function (r) {
          return r.status === 'rejected';
        });
        var live = $('live-status');
        if (failures.length === 0) {
          live.dataset.updatedAt = new Date().toISOString();
          setLive(true, 'Live · ' + RANGES[range].label + ' · ' + new Date().toLocaleTimeString());
        } else if (
          failures.every(function (r) {
            return r.reason && r.reason.status === 0;
          })
        ) {
          setLive(false, 'API unreachable · retrying');
        } else {
          var first = failures[0].reason || {};
          setLive(false, 'API error: ' + (first.message || 'unknown') + ' · retrying');
        }
      })
      .finally(function () {
        state.busy = false;
        if (state.again) {
          state.again = false;
          void refresh();
        } else if (!document.hidden) {
          state.timer = setTimeout(refresh, POLL_MS);
        }
      });
  }

  function setUpDashboard() {
    document.querySelectorAll('button[data-range]').forEach(function (button) {
      button.addEventListener('click', function () {
        state.range = button.dataset.range;
        document.querySelectorAll('button[data-range]').forEach(function (other) {
          other.setAttribute('aria-pressed', String(other === button));
        });
        void refresh();
      });
    });
    document.getElementById('sign-out').addEventListener('click', function () {
      fetch('dashboard/session', { method: 'DELETE', credentials: 'same-origin' }).finally(
        function () {
          window.location.reload();
        },
      );
    });
    document.getElementById('search-form').addEventListener('submit', function (event) {
      event.preventDefault();
      search($('search-input').value.trim());
    });
    $('timeline-close').addEventListener('click', function () {
      $('timeline').hidden = true;
    });
    $('guard-resume').addEventListener('click', function () {
      if (
        !window.confirm(
          'Resume the paused categories now? The guard pauses them again if the rate is still over its threshold.',
        )
      ) {
        return;
      }
      var button = $('guard-resume');
      button.disabled = true;
      api('v1/reputation/resume', { method: 'POST' })
        .then(renderReputation, function (failure) {
          window.alert('Resume failed: ' + failure.message);
        })
        .finally(function () {
          button.disabled = false;
        });
    });
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden) {
        void refresh();
      }
    });
    var resizeTimer = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(resizeCharts, 100);
    });
    void refresh();
  }

  if (document.body.dataset.view === 'signin') {
    setUpSignIn();
  } else {
    setUpDashboard();
  }
})();
