//! Every optimizer against PyTorch, step for step, through the command line as a user runs it:
//! full batch for 25 epochs, and mini-batches of 3 over 7 points in file order (the last batch
//! of each epoch has one point). Row `e` holds the parameters after `e` epochs and the loss on
//! the whole data there; the reference values were computed once with PyTorch 2.15, in f64, by
//! the script below, and pasted here.
//!
//! ```python
//! import torch
//! torch.set_default_dtype(torch.float64)
//! xs = [-2.0, -1.0, 0.5, 1.0, 2.5, 3.0, 4.0]
//! ys = [1.0, 0.2, 1.1, 2.3, 3.9, 4.1, 6.0]
//! X = torch.tensor(xs).unsqueeze(1); Y = torch.tensor(ys).unsqueeze(1)
//! def run(make, epochs, batch=None):
//!     m = torch.nn.Linear(1, 1)
//!     with torch.no_grad():
//!         m.weight.fill_(0.5); m.bias.fill_(-0.3)
//!     opt = make(m.parameters())
//!     rows = []
//!     def record():
//!         with torch.no_grad():
//!             rows.append((m.weight.item(), m.bias.item(), torch.nn.functional.mse_loss(m(X), Y).item()))
//!     record()
//!     for e in range(epochs):
//!         n = len(xs); b = batch or n
//!         for s in range(0, n, b):
//!             opt.zero_grad()
//!             loss = torch.nn.functional.mse_loss(m(X[s:s+b]), Y[s:s+b])
//!             loss.backward(); opt.step()
//!         record()
//!     return rows
//! O = torch.optim
//! cases = {
//!   "sgd": (lambda p: O.SGD(p, lr=0.02), ["--optimizer","sgd","--lr","0.02"]),
//!   "momentum": (lambda p: O.SGD(p, lr=0.02, momentum=0.9), ["--optimizer","momentum","--lr","0.02"]),
//!   "nesterov": (lambda p: O.SGD(p, lr=0.02, momentum=0.8, nesterov=True, weight_decay=0.1), ["--optimizer","nesterov","--lr","0.02","--momentum","0.8","--weight-decay","0.1"]),
//!   "rmsprop": (lambda p: O.RMSprop(p, lr=0.01), ["--optimizer","rmsprop","--lr","0.01"]),
//!   "adagrad": (lambda p: O.Adagrad(p, lr=0.3), ["--optimizer","adagrad","--lr","0.3"]),
//!   "adam": (lambda p: O.Adam(p, lr=0.05, betas=(0.8, 0.99)), ["--optimizer","adam","--lr","0.05","--betas","0.8,0.99"]),
//!   "adamw": (lambda p: O.AdamW(p, lr=0.05), ["--optimizer","adamw","--lr","0.05"]),
//! }
//! for name, (make, flags) in cases.items():
//!     rows = run(make, 25)
//!     print(f"// {name} {' '.join(flags)}")
//!     print("(\"%s\", &[%s], [%s]," % (name, ", ".join('"%s"'%f for f in flags), ", ".join("%.12e" % v for v in rows[-1])))
//!     print("  &[%s])," % ", ".join("%.12e" % r[2] for r in rows))
//! for name in ["sgd", "momentum", "adam"]:
//!     make, flags = cases[name]
//!     rows = run(make, 8, batch=3)
//!     print(f"// batch {name}")
//!     print("(\"%s\", [%s]," % (name, ", ".join("%.12e" % v for v in rows[-1])))
//!     print("  &[%s])," % ", ".join("%.12e" % r[2] for r in rows))
//! ```

mod common;

use common::{ok, parse_csv};

const DATA: &str = "x,y\n-2,1\n-1,0.2\n0.5,1.1\n1,2.3\n2.5,3.9\n3,4.1\n4,6\n";

/// (name, flags, final (weight, bias, loss), loss after each epoch 0..=25), full batch.
#[allow(clippy::type_complexity)]
const FULL: &[(&str, &[&str], [f64; 3], &[f64])] = &[
    (
        "sgd",
        &["--optimizer", "sgd", "--lr", "0.02"],
        [1.101337180176e+00, 7.973418171105e-01, 1.002847002937e+00],
        &[
            6.803571428571e+00,
            5.052431924198e+00,
            3.957807557813e+00,
            3.259456111396e+00,
            2.801148509799e+00,
            2.489048230846e+00,
            2.266747855187e+00,
            2.100296179721e+00,
            1.969217446715e+00,
            1.861124517741e+00,
            1.768487627951e+00,
            1.686696024252e+00,
            1.612895062382e+00,
            1.545288423148e+00,
            1.482719312757e+00,
            1.424419007078e+00,
            1.369855779937e+00,
            1.318644053680e+00,
            1.270489683178e+00,
            1.225156924611e+00,
            1.182448422372e+00,
            1.142193015331e+00,
            1.104238243754e+00,
            1.068445685727e+00,
            1.034688000238e+00,
            1.002847002937e+00,
        ],
    ),
    (
        "momentum",
        &["--optimizer", "momentum", "--lr", "0.02"],
        [5.956948367996e-01, 1.913270059922e+00, 8.450337862672e-01],
        &[
            6.803571428571e+00,
            5.052431924198e+00,
            3.028283497729e+00,
            2.094745835385e+00,
            2.445218050820e+00,
            3.192793981408e+00,
            3.312563733887e+00,
            2.512342908849e+00,
            1.341996503088e+00,
            5.973064180686e-01,
            6.332058472164e-01,
            1.158049264077e+00,
            1.584547775592e+00,
            1.550031821321e+00,
            1.155791141095e+00,
            7.871299050203e-01,
            7.398471671712e-01,
            9.917221138401e-01,
            1.276026543810e+00,
            1.340455866275e+00,
            1.147291496979e+00,
            8.642042212936e-01,
            6.924042261954e-01,
            7.010706968854e-01,
            7.998639791427e-01,
            8.450337862672e-01,
        ],
    ),
    (
        "nesterov",
        &[
            "--optimizer",
            "nesterov",
            "--lr",
            "0.02",
            "--momentum",
            "0.8",
            "--weight-decay",
            "0.1",
        ],
        [8.867629159360e-01, 1.619096485974e+00, 4.737730739168e-01],
        &[
            6.803571428571e+00,
            3.956017298680e+00,
            2.417660017950e+00,
            1.951889310837e+00,
            1.846415626320e+00,
            1.667591868106e+00,
            1.366356651475e+00,
            1.060102360406e+00,
            8.382904524536e-01,
            7.094090909581e-01,
            6.378455929753e-01,
            5.896151509510e-01,
            5.499503597576e-01,
            5.178868987924e-01,
            4.955663878827e-01,
            4.826688198869e-01,
            4.764762545944e-01,
            4.739398693999e-01,
            4.730211588414e-01,
            4.727797847968e-01,
            4.728741054166e-01,
            4.731350201499e-01,
            4.734175107310e-01,
            4.736206041784e-01,
            4.737232215642e-01,
            4.737730739168e-01,
        ],
    ),
    (
        "rmsprop",
        &["--optimizer", "rmsprop", "--lr", "0.01"],
        [1.073038949415e+00, 4.375431674874e-01, 1.584521463043e+00],
        &[
            6.803571428571e+00,
            5.545714303317e+00,
            4.810941303218e+00,
            4.289806901626e+00,
            3.889719968593e+00,
            3.568810903015e+00,
            3.304087814007e+00,
            3.081380185589e+00,
            2.891255556538e+00,
            2.727080052967e+00,
            2.583991557733e+00,
            2.458310712874e+00,
            2.347181527686e+00,
            2.248341016660e+00,
            2.159965478019e+00,
            2.080564411821e+00,
            2.008905197900e+00,
            1.943958286638e+00,
            1.884856454845e+00,
            1.830863942269e+00,
            1.781352678876e+00,
            1.735783698269e+00,
            1.693692409348e+00,
            1.654676782884e+00,
            1.618387771496e+00,
            1.584521463043e+00,
        ],
    ),
    (
        "adagrad",
        &["--optimizer", "adagrad", "--lr", "0.3"],
        [9.960181702950e-01, 1.243128353112e+00, 5.882738645158e-01],
        &[
            6.803571428571e+00,
            3.548571428610e+00,
            2.443510940708e+00,
            1.928911682447e+00,
            1.644819189737e+00,
            1.464022652535e+00,
            1.334377035678e+00,
            1.232893108403e+00,
            1.148846603774e+00,
            1.076891583937e+00,
            1.014119228760e+00,
            9.587700622524e-01,
            9.096586346775e-01,
            8.659099865662e-01,
            8.268343703671e-01,
            7.918643163917e-01,
            7.605205223863e-01,
            7.323915869680e-01,
            7.071207730998e-01,
            6.843966170504e-01,
            6.639458326667e-01,
            6.455277116360e-01,
            6.289295759213e-01,
            6.139630144806e-01,
            6.004607288511e-01,
            5.882738645158e-01,
        ],
    ),
    (
        "adam",
        &["--optimizer", "adam", "--lr", "0.05", "--betas", "0.8,0.99"],
        [1.187911862229e+00, 7.155722480929e-01, 1.156026477003e+00],
        &[
            6.803571428571e+00,
            6.153035715226e+00,
            5.548101920556e+00,
            4.989877922280e+00,
            4.479043371859e+00,
            4.015791590841e+00,
            3.599780183816e+00,
            3.230094199364e+00,
            2.905225985394e+00,
            2.623075980619e+00,
            2.380978384384e+00,
            2.175754746265e+00,
            2.003796831252e+00,
            1.861177573023e+00,
            1.743785666603e+00,
            1.647475797688e+00,
            1.568223354738e+00,
            1.502270543726e+00,
            1.446250814120e+00,
            1.397280685652e+00,
            1.353012136573e+00,
            1.311643844728e+00,
            1.271894667446e+00,
            1.232946801565e+00,
            1.194368457521e+00,
            1.156026477003e+00,
        ],
    ),
    (
        "adamw",
        &["--optimizer", "adamw", "--lr", "0.05"],
        [1.288387830936e+00, 7.763667213719e-01, 1.259286377910e+00],
        &[
            6.803571428571e+00,
            6.154357772547e+00,
            5.549730117399e+00,
            4.990269071044e+00,
            4.476334501123e+00,
            4.008027227890e+00,
            3.585148221658e+00,
            3.207156524917e+00,
            2.873127854658e+00,
            2.581716744811e+00,
            2.331126097926e+00,
            2.119088984994e+00,
            1.942868220210e+00,
            1.799279310084e+00,
            1.684741465667e+00,
            1.595359191147e+00,
            1.527033494437e+00,
            1.475597388670e+00,
            1.436965900862e+00,
            1.407287395178e+00,
            1.383081694905e+00,
            1.361351786950e+00,
            1.339659585193e+00,
            1.316161377072e+00,
            1.289603903284e+00,
            1.259286377910e+00,
        ],
    ),
];

/// (optimizer, final (weight, bias, loss), loss after each epoch 0..=8), batches of 3 in order.
#[allow(clippy::type_complexity)]
const BATCHES: &[(&str, [f64; 3], &[f64])] = &[
    (
        "sgd",
        [1.291103989967e+00, 6.923964627643e-01, 1.340504151327e+00],
        &[
            6.803571428571e+00,
            2.476663251861e+00,
            2.254358218851e+00,
            2.084307086878e+00,
            1.901403467545e+00,
            1.732488709166e+00,
            1.583426138220e+00,
            1.453459111697e+00,
            1.340504151327e+00,
        ],
    ),
    (
        "momentum",
        [1.039850739992e+00, 2.189166155605e+00, 1.074136342704e+00],
        &[
            6.803571428571e+00,
            2.150807720706e+00,
            5.496707358411e+00,
            9.678825253307e-01,
            7.612337442618e-01,
            2.330086968539e+00,
            7.696624757305e-01,
            1.020244830183e+00,
            1.074136342704e+00,
        ],
    ),
    (
        "adam",
        [1.074990348266e+00, 6.805768982714e-01, 1.160244591463e+00],
        &[
            6.803571428571e+00,
            5.947461733944e+00,
            4.636533983546e+00,
            3.548808954721e+00,
            2.700120369833e+00,
            2.072510849782e+00,
            1.633064567972e+00,
            1.342282246359e+00,
            1.160244591463e+00,
        ],
    ),
];

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(1e-3)
}

/// Runs `explore train` on the test data from (0.5, -0.3) and returns its rows.
fn train(dir: &std::path::Path, flags: &[&str], extra: &[&str]) -> Vec<Vec<f64>> {
    let data = dir.join("data.csv");
    std::fs::write(&data, DATA).unwrap();
    let mut args = vec!["train", "--data", data.to_str().unwrap()];
    args.extend([
        "--init-weight",
        "0.5",
        "--init-bias",
        "-0.3",
        "--format",
        "csv",
        "-q",
    ]);
    args.extend(flags);
    args.extend(extra);
    parse_csv(&ok(&args)).1
}

fn check(name: &str, rows: &[Vec<f64>], last: [f64; 3], losses: &[f64], rel: f64) {
    assert_eq!(rows.len(), losses.len(), "{name}");
    for (row, &want) in rows.iter().zip(losses) {
        assert!(
            close(row[3], want, rel),
            "{name} epoch {}: loss {} vs PyTorch {want}",
            row[0],
            row[3]
        );
    }
    let end = rows.last().unwrap();
    for (got, want) in end[1..].iter().zip(last) {
        assert!(
            close(*got, want, rel),
            "{name}: {end:?} vs PyTorch {last:?}"
        );
    }
}

#[test]
fn every_optimizer_matches_pytorch_full_batch() {
    let dir = tempfile::tempdir().unwrap();
    for &(name, flags, last, losses) in FULL {
        let f64_rows = train(dir.path(), flags, &["--epochs", "25", "--dtype", "f64"]);
        check(name, &f64_rows, last, losses, 1e-9);
        let f32_rows = train(dir.path(), flags, &["--epochs", "25"]);
        check(name, &f32_rows, last, losses, 1e-4);
    }
}

#[test]
fn mini_batches_in_file_order_match_pytorch() {
    let dir = tempfile::tempdir().unwrap();
    for &(name, last, losses) in BATCHES {
        let flags = FULL.iter().find(|f| f.0 == name).unwrap().1;
        let batch = ["--epochs", "8", "--batch-size", "3", "--no-shuffle"];
        let rows = train(
            dir.path(),
            flags,
            &[&batch[..], &["--dtype", "f64"]].concat(),
        );
        check(name, &rows, last, losses, 1e-9);
        let rows = train(dir.path(), flags, &batch);
        check(name, &rows, last, losses, 1e-4);
    }
}

/// The tensor-op path (what a GPU runs) against the host path (what the CPU runs), on the CPU:
/// every optimizer, in f32 and f64, with and without weight decay, 30 steps of a quadratic whose
/// gradients change sign, parameters and buffers equal value for value.
#[test]
fn the_tensor_path_equals_the_host_path() {
    use candle_core::{DType, Device, Tensor, Var};
    use explore::optim::{AnyOptimizer, Optimizer, Settings};
    let device = Device::Cpu;
    for &kind in explore::optim::Algorithm::ALL {
        for dtype in [DType::F32, DType::F64] {
            for weight_decay in [None, Some(0.05)] {
                let mut settings = Settings::new(kind, 0.03);
                settings.weight_decay = weight_decay;
                let start = |seed: f64| {
                    let values: Vec<f64> = (0..12).map(|i| (seed + i as f64 * 0.7).sin()).collect();
                    Var::from_tensor(
                        &Tensor::from_vec(values, (3, 4), &device)
                            .unwrap()
                            .to_dtype(dtype)
                            .unwrap(),
                    )
                    .unwrap()
                };
                let (host_w, host_b) = (start(0.3), start(1.9));
                let (dev_w, dev_b) = (start(0.3), start(1.9));
                let mut host =
                    AnyOptimizer::new(vec![host_w.clone(), host_b.clone()], settings).unwrap();
                let mut dev =
                    AnyOptimizer::on_tensors(vec![dev_w.clone(), dev_b.clone()], settings).unwrap();
                let target = Tensor::full(0.25f64, (3, 4), &device)
                    .unwrap()
                    .to_dtype(dtype)
                    .unwrap();
                // (w − 0.25)² · (1 + b²): a gradient for each, and steps large enough to overshoot.
                let loss = |w: &Var, b: &Var| {
                    let err = w.as_tensor().sub(&target).unwrap().sqr().unwrap();
                    let scale = b.as_tensor().sqr().unwrap().affine(1.0, 1.0).unwrap();
                    err.mul(&scale).unwrap().sum_all().unwrap()
                };
                for step in 0..30 {
                    host.backward_step(&loss(&host_w, &host_b)).unwrap();
                    dev.backward_step(&loss(&dev_w, &dev_b)).unwrap();
                    for (h, d) in [(&host_w, &dev_w), (&host_b, &dev_b)] {
                        // Bit for bit: −0 and +0 are told apart.
                        let h: Vec<f64> = h
                            .to_dtype(DType::F64)
                            .unwrap()
                            .flatten_all()
                            .unwrap()
                            .to_vec1()
                            .unwrap();
                        let d: Vec<f64> = d
                            .to_dtype(DType::F64)
                            .unwrap()
                            .flatten_all()
                            .unwrap()
                            .to_vec1()
                            .unwrap();
                        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(
                            bits(&h),
                            bits(&d),
                            "{} {dtype:?} wd {weight_decay:?} step {step}",
                            kind.name()
                        );
                    }
                }
                let (hs, ds) = (host.state().unwrap(), dev.state().unwrap());
                assert_eq!(hs, ds, "{} {dtype:?}", kind.name());
                assert_eq!(hs.steps, 30);
                // The buffers were used (all but plain SGD keeps some) and moved off zero.
                let kept: usize = hs.buffers.iter().map(Vec::len).sum();
                assert_eq!(kept == 0, kind.name() == "sgd", "{}", kind.name());
                assert!(hs.buffers.iter().flatten().flatten().all(|v| *v != 0.0));
                // A run saved on the host continues on tensors as it would have on the host.
                let mut resumed =
                    AnyOptimizer::on_tensors(vec![dev_w.clone(), dev_b.clone()], settings).unwrap();
                resumed.restore(&hs).unwrap();
                for _ in 0..5 {
                    host.backward_step(&loss(&host_w, &host_b)).unwrap();
                    resumed.backward_step(&loss(&dev_w, &dev_b)).unwrap();
                }
                assert_eq!(host.state().unwrap(), resumed.state().unwrap());
            }
        }
    }
}
