//! Every learning-rate schedule against PyTorch's: the rates of 201 steps (after 0 … 200 calls
//! of `step()`), at base rate 0.1, checked at a few steps and by their sum and sum of squares
//! (so that any one step that differs shows), to 1e-12. The references come from
//! `scripts/reference/schedules.py` (PyTorch 2.15), for example:
//!
//! ```python
//! o = torch.optim.SGD([p], lr=0.1, momentum=0.9)
//! s = S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=10),
//!                        S.CosineAnnealingLR(o, T_max=190)], milestones=[10])
//! lrs = [o.param_groups[0]["lr"]] + [(o.step(), s.step(), o.param_groups[0]["lr"])[2] for _ in range(200)]
//! ```

use explore::schedule::{Kind, Params, Scheduler};

/// PyTorch's sequence: a few steps, and the sum and sum of squares of all 201.
struct Reference {
    picks: &'static [(usize, f64)],
    sum: f64,
    squares: f64,
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-12 * want.abs().max(1e-3)
}

/// The 201 rates (or momenta) of `kind` with `params` over a run of `steps` scheduler steps after
/// `warmup` warm-up steps, each step fed `losses[t]`.
fn sequence(
    kind: Kind,
    params: &Params,
    (steps, warmup): (u64, u64),
    losses: Option<&[f64]>,
    momentum: bool,
) -> Vec<f64> {
    let mut s = Scheduler::new(kind, params, (steps, warmup), 0.1).unwrap();
    let read = |s: &Scheduler| match momentum {
        true => s.momentum().unwrap(),
        false => s.lr(),
    };
    let mut out = vec![read(&s)];
    for t in 0..200 {
        s.step(losses.map(|l| l[t]));
        out.push(read(&s));
    }
    out
}

fn check(name: &str, got: &[f64], want: &Reference) {
    for &(k, v) in want.picks {
        assert!(close(got[k], v), "{name} at step {k}: {} vs {v}", got[k]);
    }
    let sum: f64 = got.iter().sum();
    let squares: f64 = got.iter().map(|v| v * v).sum();
    assert!(close(sum, want.sum), "{name}: sum {sum} vs {}", want.sum);
    assert!(
        close(squares, want.squares),
        "{name}: squares {squares} vs {}",
        want.squares
    );
}

#[test]
fn every_schedule_follows_pytorch() {
    check(
        "constant",
        &sequence(Kind::Constant, &Params::default(), (200, 0), None, false),
        &Reference {
            picks: &[
                (0, 0.1),
                (1, 0.1),
                (2, 0.1),
                (9, 0.1),
                (10, 0.1),
                (11, 0.1),
                (29, 0.1),
                (30, 0.1),
                (50, 0.1),
                (99, 0.1),
                (150, 0.1),
                (199, 0.1),
                (200, 0.1),
            ],
            sum: 20.100000000000016,
            squares: 2.010000000000001,
        },
    );
    check(
        "step",
        &sequence(
            Kind::Step,
            &Params {
                step_size: 30,
                ..Params::default()
            },
            (200, 0),
            None,
            false,
        ),
        &Reference {
            picks: &[
                (0, 0.1),
                (1, 0.1),
                (2, 0.1),
                (9, 0.1),
                (10, 0.1),
                (11, 0.1),
                (29, 0.1),
                (30, 0.010000000000000002),
                (50, 0.010000000000000002),
                (99, 0.00010000000000000003),
                (150, 1.0000000000000004e-06),
                (199, 1.0000000000000005e-07),
                (200, 1.0000000000000005e-07),
            ],
            sum: 3.3333321000000007,
            squares: 0.30303030303020834,
        },
    );
    check(
        "multistep",
        &sequence(
            Kind::Multistep,
            &Params {
                milestones: vec![30, 80, 150],
                gamma: 0.5,
                ..Params::default()
            },
            (200, 0),
            None,
            false,
        ),
        &Reference {
            picks: &[
                (0, 0.1),
                (1, 0.1),
                (2, 0.1),
                (9, 0.1),
                (10, 0.1),
                (11, 0.1),
                (29, 0.1),
                (30, 0.05),
                (50, 0.05),
                (99, 0.025),
                (150, 0.0125),
                (199, 0.0125),
                (200, 0.0125),
            ],
            sum: 7.887500000000027,
            squares: 0.47671875000000064,
        },
    );
    check(
        "exponential",
        &sequence(
            Kind::Exponential,
            &Params {
                gamma: 0.98,
                ..Params::default()
            },
            (200, 0),
            None,
            false,
        ),
        &Reference {
            picks: &[
                (0, 0.1),
                (1, 0.098),
                (2, 0.09604),
                (9, 0.08337477621301498),
                (10, 0.08170728068875467),
                (11, 0.08007313507497958),
                (29, 0.055661665243105805),
                (30, 0.054548431938243686),
                (50, 0.03641696800871167),
                (99, 0.013532607744362546),
                (150, 0.004829602124348768),
                (199, 0.0017946884291552537),
                (200, 0.0017587946605721486),
            ],
            sum: 4.9138190616319575,
            squares: 0.2524502307662824,
        },
    );
    check(
        "cosine",
        &sequence(
            Kind::Cosine,
            &Params {
                eta_min: 0.001,
                ..Params::default()
            },
            (200, 0),
            None,
            false,
        ),
        &Reference {
            picks: &[
                (0, 0.1),
                (1, 0.09999389330784221),
                (2, 0.09997557473810373),
                (9, 0.09950617105696961),
                (10, 0.09939057285945933),
                (11, 0.09926291164466132),
                (29, 0.09495236500015047),
                (30, 0.09460482294732421),
                (50, 0.08550178566873409),
                (99, 0.051277512206935126),
                (150, 0.015498214331265893),
                (199, 0.001006106692157801),
                (200, 0.001),
            ],
            sum: 10.150499999999997,
            squares: 0.7600755000000003,
        },
    );
    check(
        "cosine_past_t_max",
        &sequence(
            Kind::Cosine,
            &Params {
                t_max: Some(70),
                ..Params::default()
            },
            (200, 0),
            None,
            false,
        ),
        &Reference {
            picks: &[
                (0, 0.1),
                (1, 0.09994965332706574),
                (2, 0.09979871469976197),
                (9, 0.09597638862757256),
                (10, 0.09504844339512097),
                (11, 0.09402977659283693),
                (29, 0.06330184227833378),
                (30, 0.061126046697815746),
                (50, 0.01882550990706334),
                (99, 0.03669815772166625),
                (150, 0.09504844339512103),
                (199, 0.005970223407163117),
                (200, 0.0049515566048790585),
            ],
            sum: 10.535777832163365,
            squares: 0.7924619452353375,
        },
    );
    check(
        "linear",
        &sequence(
            Kind::Linear,
            &Params {
                total_iters: 50,
                ..Params::default()
            },
            (200, 0),
            None,
            false,
        ),
        &Reference {
            picks: &[
                (0, 0.03333333333333333),
                (1, 0.034666666666666665),
                (2, 0.036000000000000004),
                (9, 0.04533333333333335),
                (10, 0.04666666666666668),
                (11, 0.048000000000000015),
                (29, 0.07200000000000001),
                (30, 0.07333333333333335),
                (50, 0.09999999999999995),
                (99, 0.09999999999999995),
                (150, 0.09999999999999995),
                (199, 0.09999999999999995),
                (200, 0.09999999999999995),
            ],
            sum: 18.39999999999999,
            squares: 1.7463111111111123,
        },
    );
    check(
        "warmup_cosine",
        &sequence(
            Kind::Cosine,
            &Params {
                start_factor: 0.1,
                ..Params::default()
            },
            (200, 10),
            None,
            false,
        ),
        &Reference {
            picks: &[
                (0, 0.010000000000000002),
                (1, 0.019000000000000003),
                (2, 0.028000000000000008),
                (9, 0.09100000000000004),
                (10, 0.1),
                (11, 0.09999316524962346),
                (29, 0.09755282581475769),
                (30, 0.09729086208503172),
                (50, 0.08945702546981969),
                (99, 0.05495227651252312),
                (150, 0.016135921418712965),
                (199, 6.834750376549795e-06),
                (200, 0.0),
            ],
            sum: 10.055,
            squares: 0.7496850000000002,
        },
    );
    check(
        "warmup_step",
        &sequence(
            Kind::Step,
            &Params {
                step_size: 30,
                ..Params::default()
            },
            (200, 5),
            None,
            false,
        ),
        &Reference {
            picks: &[
                (0, 0.03333333333333333),
                (1, 0.04666666666666667),
                (2, 0.060000000000000005),
                (9, 0.1),
                (10, 0.1),
                (11, 0.1),
                (29, 0.1),
                (30, 0.1),
                (50, 0.010000000000000002),
                (99, 0.00010000000000000003),
                (150, 1.0000000000000004e-05),
                (199, 1.0000000000000005e-07),
                (200, 1.0000000000000005e-07),
            ],
            sum: 3.6333316000000018,
            squares: 0.32280808080793616,
        },
    );
    check(
        "onecycle_sgd",
        &sequence(Kind::Onecycle, &Params::default(), (201, 0), None, false),
        &Reference {
            picks: &[
                (0, 0.0040000000000000036),
                (1, 0.004067344172595577),
                (2, 0.004269187722149681),
                (9, 0.00935356740986773),
                (10, 0.010579911951383317),
                (11, 0.011922481557835152),
                (29, 0.050347414500393976),
                (30, 0.052889978621690883),
                (50, 0.09429094401788499),
                (99, 0.08160903615798226),
                (150, 0.028054976264073522),
                (199, 1.2863263547625315e-05),
                (200, 4e-07),
            ],
            sum: 10.120629108615576,
            squares: 0.7562953607516424,
        },
    );
    check(
        "onecycle_sgd_momentum",
        &sequence(Kind::Onecycle, &Params::default(), (201, 0), None, true),
        &Reference {
            picks: &[
                (0, 0.95),
                (1, 0.9499298498202129),
                (2, 0.9497195961227607),
                (9, 0.9444233672813878),
                (10, 0.9431459250506423),
                (11, 0.9417474150439217),
                (29, 0.9017214432287562),
                (30, 0.8990729389357386),
                (50, 0.8559469333147032),
                (99, 0.8683910374061673),
                (150, 0.9219453115171725),
                (199, 0.9499875366865991),
                (200, 0.95),
            ],
            sum: 180.94999919208877,
            squares: 163.15249862657282,
        },
    );
}

/// `plateau` fed a fixed sequence of losses: falling, then flat with a little noise, then
/// falling again (`scripts/reference/schedules.py`).
#[test]
fn plateau_follows_pytorch_on_a_fixed_sequence_of_losses() {
    let losses: Vec<f64> = (0..200)
        .map(|e| match e {
            e if e < 40 => 1.0 / (1.0 + e as f64),
            e if e < 120 => 0.025 + 0.001 * (e as f64).sin(),
            e => 0.02 - 1e-4 * e as f64,
        })
        .collect();
    check(
        "plateau",
        &sequence(
            Kind::Plateau,
            &Params::default(),
            (200, 0),
            Some(&losses),
            false,
        ),
        &Reference {
            picks: &[
                (0, 0.1),
                (1, 0.1),
                (2, 0.1),
                (9, 0.1),
                (10, 0.1),
                (11, 0.1),
                (29, 0.1),
                (30, 0.1),
                (50, 0.1),
                (99, 0.00010000000000000003),
                (150, 1.0000000000000004e-06),
                (199, 1.0000000000000004e-06),
                (200, 1.0000000000000004e-06),
            ],
            sum: 6.822299999999999,
            squares: 0.6711111111899993,
        },
    );
    check(
        "plateau_cooldown",
        &sequence(
            Kind::Plateau,
            &Params {
                factor: 0.5,
                patience: 3,
                cooldown: 5,
                min_lr: 0.004,
                ..Params::default()
            },
            (200, 0),
            Some(&losses),
            false,
        ),
        &Reference {
            picks: &[
                (0, 0.1),
                (1, 0.1),
                (2, 0.1),
                (9, 0.1),
                (10, 0.1),
                (11, 0.1),
                (29, 0.1),
                (30, 0.1),
                (50, 0.05),
                (99, 0.004),
                (150, 0.004),
                (199, 0.004),
                (200, 0.004),
            ],
            sum: 6.199749999999948,
            squares: 0.5117068125000014,
        },
    );
}

/// `onecycle` has its own warm-up and `plateau` follows the loss: neither takes `--warmup`.
#[test]
fn onecycle_and_plateau_take_no_warm_up() {
    for (kind, why) in [
        (Kind::Onecycle, "it rises to the rate by itself"),
        (Kind::Plateau, "it follows the loss"),
    ] {
        let e = Scheduler::new(kind, &Params::default(), (100, 10), 0.1).unwrap_err();
        assert!(e.to_string().contains(why), "{e}");
    }
    // Without a loss, plateau keeps its rate.
    let mut s = Scheduler::new(Kind::Plateau, &Params::default(), (100, 0), 0.1).unwrap();
    for _ in 0..50 {
        s.step(None);
    }
    assert_eq!(s.lr(), 0.1);
}
