"""The identifier economy: enterprises joining the secondary node, their exact daily
registrations, resolutions and cases (counted in vectors, not simulated), and the
subsidy rule judged per enterprise per day — one component each
(:mod:`simdata.model.component`)."""
