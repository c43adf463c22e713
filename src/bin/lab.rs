//! `lab`: the playground's core on the command line.
//!
//! ```text
//! lab train [--dataset mnist|fashion-mnist|cifar10] [--dim 2|3] [--epochs N] [--seed N]
//!           [--lr X] [--batch N] [--activation linear|relu|sigmoid|tanh] [--max-steps N]
//!           [--backend cpu|wgpu] [--loss NAME] [--loss-params JSON] [--data DIR] [--out DIR]
//!           [--train-batches 1..5] [--augment on|off] [--schedule constant|cosine]
//!           [--preset ID]
//! lab table [--epochs N] [--batch N] [--seed N] [--dims 2,3] [--losses a,b,...]
//!           [--max-steps N] [--backend cpu|wgpu] [--data DIR] [--schedule constant|cosine]
//! lab bench [--steps N] [--batch N] [--dim 2|3] [--dataset ID] [--backend cpu|wgpu] [--data DIR]
//! lab loss [FILE]
//! lab presets
//! ```
//! `train --preset ID` starts from one of the paper-comparison presets (`lab presets` lists
//! them); other flags override its settings.
//! `train` prints one JSON line (test accuracy, epochs, steps, samples/s, backend, loss and
//! its parameters); with `--out` it also writes the test embeddings with labels as CSV.
//! `--loss NAME` trains that loss with its preset ([`playground::loss::LossConfig::preset`],
//! learning rate included unless `--lr` is given); `--loss-params '{"margin":0.2}'` overrides
//! parameters (serde names of shared/LOSSES.md). `table` trains every chosen loss with its
//! preset in every chosen dimension and prints a Markdown table of test accuracies. `bench` prints training
//! throughput of the paper's CNN. `loss` is the cross-check of shared/LOSSES.md: one JSON
//! object (loss, embeddings, labels, head values) from FILE or standard input → loss, terms
//! and the gradient with respect to the embeddings (burn autodiff, CPU), as one JSON object.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

/// The native CLI (the browser build has no files, flags or threads to block on).
#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::sync::Arc;

    use playground::backend::BackendKind;
    use playground::data::{Dataset, DatasetKind};
    use playground::loss::LossConfig;
    use playground::model::Activation;
    use playground::train::{LrSchedule, TrainConfig, Trainer};

    const USAGE: &str = "usage:
      lab train [--dataset mnist|fashion-mnist|cifar10] [--dim 2|3] [--epochs N] [--seed N]
                [--lr X] [--batch N] [--activation linear|relu|sigmoid|tanh] [--max-steps N]
                [--backend cpu|wgpu] [--loss NAME] [--loss-params JSON] [--data DIR] [--out DIR]
                [--train-batches 1..5] [--augment on|off] [--schedule constant|cosine]
                [--preset ID]
      lab table [--epochs N] [--batch N] [--seed N] [--dims 2,3] [--losses a,b,...]
                [--max-steps N] [--backend cpu|wgpu] [--data DIR] [--schedule constant|cosine]
      lab bench [--steps N] [--batch N] [--dim 2|3] [--dataset ID] [--backend cpu|wgpu] [--data DIR]
      lab loss [FILE]   (JSON in, JSON out; see shared/LOSSES.md \"Cross-check interface\")
      lab presets       (the paper's comparisons; `lab train --preset ID` trains one)";

    pub fn main() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let result = match args.first().map(String::as_str) {
            Some("train") => Flags::parse(&args[1..]).and_then(|f| pollster::block_on(train(f))),
            Some("table") => Flags::parse(&args[1..]).and_then(|f| pollster::block_on(table(f))),
            Some("bench") => Flags::parse(&args[1..]).and_then(|f| pollster::block_on(bench(f))),
            Some("loss") => loss_command(&args[1..]),
            Some("presets") => presets_command(&args[1..]),
            Some("-h" | "--help" | "help") => {
                println!("{USAGE}");
                Ok(())
            }
            _ => Err(format!("unknown or missing command\n{USAGE}")),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("lab: {e}");
                ExitCode::FAILURE
            }
        }
    }

    /// `--name value` pairs, each name once.
    struct Flags(HashMap<String, String>);

    impl Flags {
        fn parse(args: &[String]) -> Result<Self, String> {
            let mut map = HashMap::new();
            let mut it = args.iter();
            while let Some(a) = it.next() {
                let name = a
                    .strip_prefix("--")
                    .ok_or_else(|| format!("expected --flag, got '{a}'"))?;
                let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                if map.insert(name.to_string(), value.clone()).is_some() {
                    return Err(format!("--{name} given twice"));
                }
            }
            Ok(Self(map))
        }

        fn take(&mut self, name: &str) -> Option<String> {
            self.0.remove(name)
        }

        fn num<T: std::str::FromStr>(&mut self, name: &str, default: T) -> Result<T, String> {
            match self.take(name) {
                None => Ok(default),
                Some(v) => v
                    .parse()
                    .map_err(|_| format!("--{name}: '{v}' is not a valid number")),
            }
        }

        fn finish(self) -> Result<(), String> {
            match self.0.keys().next() {
                Some(k) => Err(format!("unknown flag --{k}\n{USAGE}")),
                None => Ok(()),
            }
        }
    }

    fn device(kind: BackendKind) -> Result<burn::tensor::Device, String> {
        match kind {
            BackendKind::Cpu => Ok(playground::backend::cpu()),
            BackendKind::Wgpu => playground::backend::native_wgpu(),
        }
    }

    /// Reads the files of `kind` (CIFAR-10: the test batch and `train_batches` training
    /// batches) from the data folder and builds the dataset.
    fn load(dir: &Path, kind: DatasetKind, train_batches: usize) -> Result<Arc<Dataset>, String> {
        let mut files = Vec::new();
        for f in kind.files_for(train_batches) {
            let path = dir.join(&f);
            let bytes = std::fs::read(&path).map_err(|e| {
                format!(
                    "cannot read {}: {e} (run `make data` from the repository root, or pass --data DIR)",
                    path.display()
                )
            })?;
            files.push((f, bytes));
        }
        let ds = Dataset::from_named(kind, &files).map_err(|e| e.to_string())?;
        Ok(Arc::new(ds))
    }

    struct Common {
        config: TrainConfig,
        backend: BackendKind,
        data: PathBuf,
    }

    fn common(f: &mut Flags) -> Result<Common, String> {
        // `--preset ID` starts from a paper-comparison preset; the other flags override it.
        let d = match f.take("preset") {
            None => TrainConfig::default(),
            Some(id) => {
                playground::presets::preset(&id)
                    .ok_or_else(|| format!("--preset: unknown preset '{id}' (see `lab presets`)"))?
                    .config
            }
        };
        let dataset = match f.take("dataset") {
            None => d.dataset,
            Some(id) => DatasetKind::from_id(&id)
                .ok_or_else(|| format!("--dataset: unknown dataset '{id}'"))?,
        };
        let activation = match f.take("activation") {
            None => d.activation,
            Some(id) => Activation::from_id(&id)
                .ok_or_else(|| format!("--activation: unknown activation '{id}'"))?,
        };
        let backend = match f.take("backend") {
            None => BackendKind::Cpu,
            Some(id) => BackendKind::from_id(&id)
                .ok_or_else(|| format!("--backend: unknown backend '{id}' (cpu or wgpu)"))?,
        };
        let (loss, lr) = loss_flags(f)?;
        let augment = match f.take("augment").as_deref() {
            None => d.augment,
            Some("on" | "true" | "1") => true,
            Some("off" | "false" | "0") => false,
            Some(v) => return Err(format!("--augment: '{v}' is not on or off")),
        };
        let config = TrainConfig {
            augment,
            train_batches: f.num("train-batches", d.train_batches)?,
            dataset,
            activation,
            loss: loss.unwrap_or(d.loss),
            dim: f.num("dim", d.dim)?,
            epochs: f.num("epochs", d.epochs)?,
            seed: f.num("seed", d.seed)?,
            lr: f.num("lr", lr.unwrap_or(d.lr))?,
            batch_size: f.num("batch", d.batch_size)?,
            lr_schedule: schedule_flag(f, d.lr_schedule)?,
            ..d
        };
        config.validate()?;
        Ok(Common {
            config,
            backend,
            data: PathBuf::from(f.take("data").unwrap_or_else(|| "data".into())),
        })
    }

    /// `--schedule constant|cosine`.
    fn schedule_flag(f: &mut Flags, default: LrSchedule) -> Result<LrSchedule, String> {
        match f.take("schedule") {
            None => Ok(default),
            Some(id) => LrSchedule::from_id(&id)
                .ok_or_else(|| format!("--schedule: unknown schedule '{id}' (constant or cosine)")),
        }
    }

    /// `--loss NAME` (its preset, and the preset's learning rate) and `--loss-params JSON`
    /// (merged into it; into the default loss without `--loss`).
    fn loss_flags(f: &mut Flags) -> Result<(Option<LossConfig>, Option<f64>), String> {
        let name = f.take("loss");
        let params = f.take("loss-params");
        let (base, lr) = match &name {
            None => (None, None),
            Some(id) => match LossConfig::preset(id) {
                Some((config, lr)) => (Some(config), Some(lr)),
                None => {
                    return Err(format!(
                        "--loss: unknown loss '{id}', expected one of {}",
                        LossConfig::IDS.join(", ")
                    ));
                }
            },
        };
        let Some(text) = params else {
            return Ok((base, lr));
        };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            format!(
                "--loss-params: '{text}' is not valid JSON ({})",
                one_line(e)
            )
        })?;
        let id = base
            .as_ref()
            .map_or_else(|| TrainConfig::default().loss.id(), LossConfig::id);
        let config = LossConfig::with_params(id, base, &value).map_err(|e| format!("--{e}"))?;
        Ok((Some(config), lr))
    }

    /// Trains `config` for its epochs or `max_steps` steps, then embeds the whole test split
    /// (prototypes refreshed first).
    async fn run(
        config: &TrainConfig,
        ds: &Arc<Dataset>,
        dev: &burn::tensor::Device,
        max_steps: usize,
    ) -> Result<(Trainer, playground::train::Embedding), String> {
        let mut t = Trainer::new(config.clone(), ds.clone(), dev).map_err(|e| e.to_string())?;
        while !t.finished() && t.step() < max_steps {
            t.train_step().await.map_err(|e| e.to_string())?;
        }
        t.refresh_prototypes().await.map_err(|e| e.to_string())?;
        let idx: Vec<usize> = (0..ds.test.len()).collect();
        let emb = t.embed(&ds.test, &idx).await.map_err(|e| e.to_string())?;
        Ok((t, emb))
    }

    async fn train(mut f: Flags) -> Result<(), String> {
        let c = common(&mut f)?;
        let max_steps: usize = f.num("max-steps", usize::MAX)?;
        let out = f.take("out").map(PathBuf::from);
        f.finish()?;
        let ds = load(&c.data, c.config.dataset, c.config.train_batches)?;
        let dev = device(c.backend)?;
        let wall = web_time::Instant::now();
        let (t, emb) = run(&c.config, &ds, &dev, max_steps).await?;
        if let Some(dir) = out {
            write_csv(&dir, &emb, c.config.dim)?;
        }
        let line = serde_json::json!({
            "test_accuracy": emb.accuracy(),
            "epochs": t.epoch(),
            "steps": t.step(),
            "samples_per_sec": t.samples_per_sec(),
            "backend": c.backend.id(),
            "dataset": c.config.dataset.id(),
            "dim": c.config.dim,
            "loss": c.config.loss.id(),
            "loss_params": c.config.loss.params(),
            "activation": c.config.activation.id(),
            "batch_size": c.config.batch_size,
            "lr": c.config.lr,
            "lr_schedule": c.config.lr_schedule.id(),
            "seed": c.config.seed,
            "augment": c.config.augment,
            "train_images": ds.train.len(),
            "wall_secs": wall.elapsed().as_secs_f64(),
        });
        println!("{line}");
        Ok(())
    }

    /// A comma-separated list flag.
    fn list(f: &mut Flags, name: &str, default: &str) -> Vec<String> {
        f.take(name)
            .unwrap_or_else(|| default.to_string())
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    async fn table(mut f: Flags) -> Result<(), String> {
        let command = std::iter::once("lab".to_string())
            .chain(std::env::args().skip(1))
            .collect::<Vec<_>>()
            .join(" ");
        let d = TrainConfig::default();
        let epochs: usize = f.num("epochs", d.epochs)?;
        let batch_size: usize = f.num("batch", d.batch_size)?;
        let seed: u64 = f.num("seed", d.seed)?;
        let max_steps: usize = f.num("max-steps", usize::MAX)?;
        let backend = match f.take("backend") {
            None => BackendKind::Cpu,
            Some(id) => BackendKind::from_id(&id)
                .ok_or_else(|| format!("--backend: unknown backend '{id}' (cpu or wgpu)"))?,
        };
        let data = PathBuf::from(f.take("data").unwrap_or_else(|| "data".into()));
        let dims = list(&mut f, "dims", "2,3")
            .iter()
            .map(|v| {
                v.parse::<usize>()
                    .map_err(|_| format!("--dims: '{v}' is not a valid number"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let losses = list(&mut f, "losses", &LossConfig::IDS.join(","));
        let lr_schedule = schedule_flag(&mut f, d.lr_schedule)?;
        f.finish()?;
        let mut runs = Vec::new();
        for id in &losses {
            let (loss, lr) = LossConfig::preset(id).ok_or_else(|| {
                format!(
                    "--losses: unknown loss '{id}', expected one of {}",
                    LossConfig::IDS.join(", ")
                )
            })?;
            for &dim in &dims {
                let config = TrainConfig {
                    dim,
                    epochs,
                    batch_size,
                    seed,
                    lr,
                    lr_schedule,
                    loss: loss.clone(),
                    ..d.clone()
                };
                config
                    .validate()
                    .map_err(|e| format!("{id}, dim {dim}: {e}"))?;
                runs.push(config);
            }
        }
        let ds = load(&data, d.dataset, d.train_batches)?;
        let dev = device(backend)?;
        println!("`{command}`\n");
        println!("| loss | dim | test accuracy | epochs | steps | seconds | lr | parameters |");
        println!("|---|---|---|---|---|---|---|---|");
        for config in runs {
            let wall = web_time::Instant::now();
            let id = config.loss.id();
            eprintln!("lab table: training {id} in {}-D", config.dim);
            let row = match run(&config, &ds, &dev, max_steps).await {
                Ok((t, emb)) => format!(
                    "{:.4} | {:.2} | {} | {:.0}",
                    emb.accuracy(),
                    t.epoch(),
                    t.step(),
                    wall.elapsed().as_secs_f64()
                ),
                Err(e) => format!(
                    "failed: {} | | | {:.0}",
                    one_line(e),
                    wall.elapsed().as_secs_f64()
                ),
            };
            println!(
                "| {id} | {} | {row} | {} | `{}` |",
                config.dim,
                config.lr,
                config.loss.params()
            );
        }
        Ok(())
    }

    fn write_csv(dir: &Path, e: &playground::train::Embedding, dim: usize) -> Result<(), String> {
        std::fs::create_dir_all(dir)
            .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        let axes = ["x", "y", "z"];
        let mut s = axes[..dim].join(",") + ",label,prediction\n";
        for (i, p) in e.points.chunks_exact(dim).enumerate() {
            let coords: Vec<String> = p.iter().map(|v| v.to_string()).collect();
            s += &format!(
                "{},{},{}\n",
                coords.join(","),
                e.labels[i],
                e.predictions[i]
            );
        }
        let path = dir.join("test_embeddings.csv");
        std::fs::write(&path, s).map_err(|err| format!("cannot write {}: {err}", path.display()))
    }

    async fn bench(mut f: Flags) -> Result<(), String> {
        let steps: usize = f.num("steps", 20)?;
        let mut c = common(&mut f)?;
        f.finish()?;
        c.config.epochs = 100;
        let ds = load(&c.data, c.config.dataset, c.config.train_batches)?;
        let dev = device(c.backend)?;
        let mut t = Trainer::new(c.config.clone(), ds, &dev).map_err(|e| e.to_string())?;
        for _ in 0..3 {
            t.train_step().await.map_err(|e| e.to_string())?; // warm-up: allocation, shader compilation
        }
        let start = web_time::Instant::now();
        for _ in 0..steps {
            t.train_step().await.map_err(|e| e.to_string())?;
        }
        let secs = start.elapsed().as_secs_f64();
        let line = serde_json::json!({
            "bench": "train_step",
            "backend": c.backend.id(),
            "batch_size": c.config.batch_size,
            "dim": c.config.dim,
            "steps": steps,
            "secs": secs,
            "ms_per_step": secs * 1000.0 / steps as f64,
            "samples_per_sec": (steps * c.config.batch_size) as f64 / secs,
        });
        println!("{line}");
        Ok(())
    }

    /// `lab presets`: the paper's comparisons as a Markdown table.
    fn presets_command(args: &[String]) -> Result<(), String> {
        if !args.is_empty() {
            return Err(format!("presets takes no arguments\n{USAGE}"));
        }
        println!("| comparison | preset | run | what to look for |");
        println!("|---|---|---|---|");
        for c in playground::presets::comparisons() {
            for p in &c.presets {
                println!(
                    "| {} | `{}` | **{}** {} | {} |",
                    c.title, p.id, p.title, p.caption, p.look_for
                );
            }
        }
        Ok(())
    }

    fn loss_command(args: &[String]) -> Result<(), String> {
        let text = match args {
            [] => {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                    .map_err(|e| format!("cannot read standard input: {e}"))?;
                s
            }
            [file] => {
                std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?
            }
            _ => return Err(format!("loss takes at most one FILE\n{USAGE}")),
        };
        let device = playground::backend::cpu();
        let out = pollster::block_on(playground::loss::check::cross_check(&text, &device))?;
        println!("{}", out.to_json());
        Ok(())
    }

    /// One line: serde's messages may span lines.
    fn one_line(s: impl std::fmt::Display) -> String {
        s.to_string().replace('\n', " ")
    }
}
