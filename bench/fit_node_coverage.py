"""Recovery and 95 % CI coverage of `simdata fit --as node` over 200 synthetic node logs.

    .venv/bin/python -m bench.fit_node_coverage

The figures are in docs/fit.md and docs/statistics.md (issue 18, step 2).
"""
# ruff: noqa

import numpy as np

from simdata.experiments.fit.censored import fit_families, fit_family
from simdata.experiments.fit.counts import wilson
from simdata.experiments.fit.traffic_fit import fit_traffic
from tests.fit.node_synthetic import START, NodeTruth, node_draw


def main() -> None:
    N = 200
    tol = 0.95 - 2.58 * np.sqrt(0.0475 / N)

    def cover(ci, x):
        return ci[0] <= x <= ci[1]

    def default(truth):
        rows = {
            k: []
            for k in "rate rate_c wk wk_c hw hr hr_c hm hm_c hs hs_c sm sm_c ss ss_c first n cens".split()
        }
        w_true = np.array(truth.hourly) / np.mean(truth.hourly)
        for seed in range(N):
            d = node_draw(seed, truth)
            f = fit_traffic(START, truth.days, d.t)
            rows["n"].append(d.t.size)
            rows["rate"].append(f.rate_per_s)
            rows["rate_c"].append(cover(f.rate_ci, truth.rate_per_s))
            rows["wk"].append(f.weekend_factor)
            rows["wk_c"].append(cover(f.weekend_ci, truth.weekend))
            rows["hw"].append(np.max(np.abs(np.array(f.hourly_weights) / w_true - 1)))
            h = wilson(int(d.hit.sum()), d.hit.size)
            rows["hr"].append(h.share)
            rows["hr_c"].append(cover(h.ci, truth.hit))
            ht = fit_family(
                "lognormal", d.latency[d.hit & ~d.timeout] * 1e3, d.latency[d.hit & d.timeout] * 1e3
            )
            rows["hm"].append(ht.params["median"])
            rows["hm_c"].append(cover(ht.ci["median"], truth.hit_median_s * 1e3))
            rows["hs"].append(ht.params["sigma"])
            rows["hs_c"].append(cover(ht.ci["sigma"], truth.hit_sigma))
            m = ~d.hit
            fams = fit_families(d.latency[m & ~d.timeout] * 1e3, d.latency[m & d.timeout] * 1e3)
            s = next(x for x in fams if x.family == "lognormal")
            rows["first"].append(fams[0].family == "lognormal")
            rows["cens"].append(np.mean(d.timeout[m]))
            rows["sm"].append(s.params["median"])
            rows["sm_c"].append(cover(s.ci["median"], truth.service_median_s * 1e3))
            rows["ss"].append(s.params["sigma"])
            rows["ss_c"].append(cover(s.ci["sigma"], truth.service_sigma))
        return {k: np.array(v, dtype=float) for k, v in rows.items()}

    def summary(name, r):
        print(
            f"## {name}: n per log {r['n'].mean():.0f}; timed-out misses {100 * r['cens'].mean():.1f} %"
        )
        for label, k in [
            ("rate /s", "rate"),
            ("weekend factor", "wk"),
            ("hit ratio", "hr"),
            ("hit median ms", "hm"),
            ("hit sigma", "hs"),
            ("service median ms", "sm"),
            ("service sigma", "ss"),
        ]:
            print(f"| {label} | {r[k].mean():.5g} ({r[k].std():.2g}) | {r[k + '_c'].mean():.3f} |")
        print(
            f"hourly weights: mean max relative error {r['hw'].mean():.3f}; lognormal first by AIC {int(r['first'].sum())}/{N}"
        )

    print(f"binomial tolerance {tol:.3f}")
    summary("default (0.05/s, 14 days)", default(NodeTruth()))
    summary("small (0.01/s, 14 days)", default(NodeTruth(rate_per_s=0.01)))

    # Heavy censoring: timeout 8 ms on a 5 ms median service.
    truth = NodeTruth(rate_per_s=0.01, timeout_s=0.008)
    cens, naive, cov, frac = [], [], [], []
    for seed in range(N):
        d = node_draw(seed, truth)
        m = ~d.hit
        done, open_ = d.latency[m & ~d.timeout] * 1e3, d.latency[m & d.timeout] * 1e3
        fit = fit_family("lognormal", done, open_)
        cens.append(fit.params["median"])
        cov.append(cover(fit.ci["median"], 5.0))
        naive.append(float(np.exp(np.mean(np.log(done)))))
        frac.append(open_.size / (done.size + open_.size))
    print(
        f"## censored (timeout 8 ms): {100 * np.mean(frac):.1f} % timed out; censored median {np.mean(cens):.3f} ({100 * (np.mean(cens) / 5 - 1):+.1f} %), cov {np.mean(cov):.3f}; naive {np.mean(naive):.3f} ({100 * (np.mean(naive) / 5 - 1):+.1f} %)"
    )

    # Upper bound: 20 ms of hops on every miss; service_s vs latency.
    truth = NodeTruth(rate_per_s=0.01, hop_s=0.02, timeout_s=1.0)
    lat, svc, svc_cov = [], [], []
    for seed in range(N):
        d = node_draw(seed, truth)
        m = ~d.hit
        lat.append(fit_families(d.latency[m] * 1e3, np.empty(0))[0])
        s = fit_family("lognormal", d.service[m] * 1e3, np.empty(0))
        svc.append(s.params["median"])
        svc_cov.append(cover(s.ci["median"], 5.0))
    lat_median = [f.params.get("median", f.params.get("mean")) for f in lat]
    print(
        f"## hops 20 ms: from service_s median {np.mean(svc):.3f} cov {np.mean(svc_cov):.3f}; from latency best family {set(f.family for f in lat)} median/mean {np.mean(lat_median):.2f} ms"
    )


if __name__ == "__main__":
    main()
