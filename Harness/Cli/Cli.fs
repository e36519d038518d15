/// The `repro` command line: one Argu union per subcommand, with only the options that command takes; the options
/// every planning or training command shares sit on the top level and are inherited. Handlers live in Program.fs and
/// the modules it calls.
module Repro.Harness.Cli

open Argu
open Repro.Harness.Domain

/// Where a sweep's runs execute.
type SweepBackend =
    /// Worker processes on this machine.
    | Local
    /// Slurm job arrays, against a results folder every node sees.
    | Slurm

/// Which layer `golden check` compares with.
[<RequireQualifiedAccess>]
type CheckLayer =
    /// Exact where the runs' platform matches the snapshot's, statistical elsewhere.
    | Auto
    | Exact
    | Statistical

let private onlyUsage = "only the runs whose label contains this text (e.g. \"rand 100% S4 +ST\"; the paper's backbone may stand for the one that trains), with their prerequisites; repeat it for several."
let private paperTablesUsage = "folder of the paper's tables (default: paper-tables)."
let private calibrateUsage = "the profile's schedule calibration instead of its grid: each cell's ladder climbed once with the profile's first seed (extended while the rung chosen on the minival is its longest or shortest), written to the profile's schedule table."

/// Options of the commands that look at the grid without running it: plan, tables, claims.
type GridArgs =
    | Paper_Tables of folder: string
    | Only of text: string
    | Calibrate
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Paper_Tables _ -> paperTablesUsage
            | Only _ -> onlyUsage
            | Calibrate -> calibrateUsage

/// Options of the commands that run the grid: sweep, and reproduce (a sweep, then the report).
type SweepArgs =
    | Paper_Tables of folder: string
    | Only of text: string
    | Retry_Failed
    | Calibrate
    | Workers of count: int
    | Max_Memory_Gb of gigabytes: float
    | Backend of SweepBackend
    | Dry_Run
    | No_Wait
    | Poll_Seconds of seconds: float
    | Partition of name: string
    | Account of name: string
    | Time of limit: string
    | Mem_Gb of gigabytes: float
    | Cpus_Per_Task of count: int
    | Gpus_Per_Task of count: int
    | Sbatch_Option of option: string
    | [<Hidden>] Execute of hash: string
    | [<Hidden>] Slurm_Task of hash: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Paper_Tables _ -> paperTablesUsage
            | Only _ -> onlyUsage
            | Retry_Failed -> "run again the runs whose record says they failed."
            | Calibrate -> "sweep " + calibrateUsage
            | Workers _ -> "runs at once, each in its own process (default: the profile's; default profile 2). On 2 cores, --workers 2 (1 thread each) trains ~1.6x faster than one 2-thread run."
            | Max_Memory_Gb _ -> "with --workers: a worker whose resident memory exceeds this is killed and its run recorded as failed (default: 90% of memory / workers)."
            | Backend _ -> "local (default: worker processes here) | slurm (job arrays; the results folder, data cache and repro build must be on paths every node sees)."
            | Dry_Run -> "with --backend slurm: print the sbatch scripts that would be submitted, and submit nothing."
            | No_Wait -> "with --backend slurm: submit and return; the same command without it follows the tasks later."
            | Poll_Seconds _ -> "with --backend slurm: seconds between two looks at the queue (default 10)."
            | Partition _ -> "with --backend slurm: the partition to submit to (default: the profile's, else Slurm's default)."
            | Account _ -> "with --backend slurm: the account to charge (default: the profile's, else none)."
            | Time _ -> "with --backend slurm: each task's time limit, e.g. 02:00:00 (default: the profile's, else 4x the largest run estimate of its array, at least 15 min)."
            | Mem_Gb _ -> "with --backend slurm: memory per task in GB (default: the profile's; miniature 3)."
            | Cpus_Per_Task _ -> "with --backend slurm: CPUs per task, also each run's threads (default: the profile's; miniature 1, paper 8)."
            | Gpus_Per_Task _ -> "with --backend slurm: GPUs per task, as --gres=gpu:N (default: the profile's; paper 1)."
            | Sbatch_Option _ -> "with --backend slurm: one more #SBATCH option, verbatim (e.g. --qos=long); repeat it for several."
            | Execute _ -> "internal: run the one planned run with this hash, without the folder lock (a --workers sweep's worker)."
            | Slurm_Task _ -> "internal: run the one planned run with this hash as a Slurm task (shared folder lock, the run's own lock, never over a record)."

/// One cell outside the paper's tables: any coordinates of the grid, under a profile's scale.
type TrainArgs =
    | Task of Domain.Task
    | Backbone of PaperBackbone
    | Init of Domain.Init
    | Fraction of value: float
    | Augment of Domain.AugmentLevel
    | Labelled_Set of name: string
    | Self_Training
    | No_Loss_Norm
    | Random_Student
    | Joint
    | Seed of int
    | Steps of count: int
    | Retry_Failed
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Task _ -> "default: detection."
            | Backbone _ -> "the paper's backbone the profile maps to its own (default: efficientnet-b7)."
            | Init _ -> "default: rand."
            | Fraction _ -> "labelled fraction of the detection train set, in (0, 1] (default: 1)."
            | Augment _ ->
                sprintf "augmentation level (default: %O for detection, %O for segmentation)." Domain.Detection.DefaultAugment Domain.Segmentation.DefaultAugment
            | Labelled_Set _ -> "segmentation: train | trainaug (default: train)."
            | Self_Training -> "train a student on human + pseudo labels (its teacher and pseudo labels run first)."
            | No_Loss_Norm -> "with --self-training: the standard weighted loss L_h + α·L_p instead of the normalized one (Appendix B's ablation)."
            | Random_Student -> "with --self-training: the student starts from its init, not from its teacher (Table 10's ablation)."
            | Joint -> "joint detection + classification training."
            | Seed _ -> "seed (default: 0)."
            | Steps _ -> "training steps of the run (default: the profile's schedule for its augmentation level)."
            | Retry_Failed -> "run again the cell's run (and prerequisites) whose record says it failed; without it a recorded failure is reported, not rerun."

type EnvArgs =
    | [<AltCommandLine("-j")>] Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Json -> "print the environment report as JSON."

type DataGenerateArgs =
    | Preset of name: string
    | Seed of int
    | Cache of folder: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Preset _ -> "miniature preset: smoke | default (default: default)."
            | Seed _ -> "generator seed (default: the preset's)."
            | Cache _ -> "folder the generated data is cached in (default: results/data)."

type DataShowArgs =
    | Preset of name: string
    | Cache of folder: string
    | Part of name: string
    | [<AltCommandLine("-o")>] Out of png: string
    | Count of int
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Preset _ -> "miniature preset: smoke | default (default: default)."
            | Cache _ -> "folder the generated data is cached in (default: results/data)."
            | Part _ -> "detection-train | detection-val | unlabeled | classification-train | classification-val | segmentation-train | segmentation-trainaug | segmentation-val (default: detection-train)."
            | Out _ -> "PNG to write (default: results/data/<part>.png)."
            | Count _ -> "number of images (default 32)."

[<RequireSubcommand>]
type DataArgs =
    | [<CliPrefix(CliPrefix.None)>] Generate of ParseResults<DataGenerateArgs>
    | [<CliPrefix(CliPrefix.None)>] Show of ParseResults<DataShowArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Generate _ -> "generate (or find in the cache) the embedded miniature data set; prints its folder."
            | Show _ -> "write a contact sheet (PNG) of a part of the miniature with boxes or masks drawn."

type AugShowArgs =
    | [<Mandatory>] Level of Domain.AugmentLevel
    | Preset of name: string
    | Cache of folder: string
    | [<AltCommandLine("-o")>] Out of png: string
    | Count of int
    | Seed of int
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Level _ -> "augmentation level."
            | Preset _ -> "miniature preset the samples come from (default: smoke)."
            | Cache _ -> "data cache folder (default: results/data)."
            | Out _ -> "PNG to write (default: results/aug-<level>.png)."
            | Count _ -> "number of source images (default 6); each is shown in 7 augmented versions."
            | Seed _ -> "augmentation seed (default 0)."

[<RequireSubcommand>]
type AugArgs =
    | [<CliPrefix(CliPrefix.None)>] Show of ParseResults<AugShowArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Show _ -> "write a PNG grid of augmented samples (boxes drawn) for one level."

type EvalArgs =
    | [<Mandatory>] Gt of annotations: string
    | [<Mandatory>] Dt of results: string
    | Iou_Type of kind: string
    | Json
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Gt _ -> "COCO instances JSON with the ground truth."
            | Dt _ -> "COCO results JSON (array of {image_id, category_id, bbox, score})."
            | Iou_Type _ -> "bbox (default); segm is not implemented yet."
            | Json -> "print the summary as JSON instead of pycocotools' text block."

type GoldenCheckArgs =
    | Only of text: string
    | Layer of CheckLayer
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Only _ -> onlyUsage + " Only their cells are checked."
            | Layer _ -> "the comparison: auto (default) is exact where the runs' platform matches the snapshot's, statistical elsewhere."

type GoldenSpreadArgs =
    | Only of text: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Only _ -> onlyUsage

[<RequireSubcommand>]
type GoldenArgs =
    | [<Inherit>] Paper_Tables of folder: string
    | [<Inherit>] Golden_Root of folder: string
    | [<CliPrefix(CliPrefix.None)>] Check of ParseResults<GoldenCheckArgs>
    | [<SubCommand; CliPrefix(CliPrefix.None)>] Update
    | [<CliPrefix(CliPrefix.None)>] Spread of ParseResults<GoldenSpreadArgs>
    | [<SubCommand; CliPrefix(CliPrefix.None)>] Regressions
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Paper_Tables _ -> paperTablesUsage
            | Golden_Root _ -> "folder of golden snapshots (default: golden)."
            | Check _ -> "compare the profile's results with golden/<profile>/ (exit 1 and a diff if a cell moved)."
            | Update -> "rewrite golden/<profile>/results.json from the profile's current results (refused when a cell carries no signal)."
            | Spread _ -> "replay the profile's runs under other platforms (ATen / oneDNN caps, 1 thread) into --results/<variant>, and write golden/<profile>/tolerances.json from how far they moved."
            | Regressions -> "replay a few runs with each deliberate regression (Core's InjectedRegression) into --results/<regression> and report which ones the golden check flags."

/// The options every command that plans or trains takes (which profile, where its data and results live, what runs
/// it), inherited by those commands; the other commands refuse them.
[<RequireSubcommand>]
type ReproArgs =
    | [<Inherit; AltCommandLine("-p")>] Profile of name: string
    | [<Inherit>] Results of folder: string
    | [<Inherit>] Data_Cache of folder: string
    | [<Inherit>] Coco_Root of folder: string
    | [<Inherit>] Voc_Root of folder: string
    | [<Inherit>] Imagenet_Root of folder: string
    | [<Inherit>] Device of name: string
    | [<Inherit>] Threads of count: int
    | [<CliPrefix(CliPrefix.None)>] Reproduce of ParseResults<SweepArgs>
    | [<CliPrefix(CliPrefix.None)>] Plan of ParseResults<GridArgs>
    | [<CliPrefix(CliPrefix.None)>] Sweep of ParseResults<SweepArgs>
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<TrainArgs>
    | [<CliPrefix(CliPrefix.None)>] Tables of ParseResults<GridArgs>
    | [<CliPrefix(CliPrefix.None)>] Claims of ParseResults<GridArgs>
    | [<CliPrefix(CliPrefix.None)>] Golden of ParseResults<GoldenArgs>
    | [<CliPrefix(CliPrefix.None)>] Eval of ParseResults<EvalArgs>
    | [<CliPrefix(CliPrefix.None)>] Data of ParseResults<DataArgs>
    | [<CliPrefix(CliPrefix.None)>] Aug of ParseResults<AugArgs>
    | [<CliPrefix(CliPrefix.None)>] Env of ParseResults<EnvArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Profile _ -> "profile whose grid and scale (data, model, schedule) the command takes: smoke | default | full | paper (default: default)."
            | Results _ -> "results folder (default: results/<profile>; runs are shared by their config hash, whichever command made them)."
            | Data_Cache _ -> "folder the generated miniature is cached in (default: results/data)."
            | Coco_Root _ -> "COCO 2017 root (train2017/, val2017/, annotations/); required by the paper profile."
            | Voc_Root _ -> "VOC2012 root (JPEGImages/, SegmentationClass/, ImageSets/) for the segmentation tables."
            | Imagenet_Root _ -> "paper profile: ImageNet in folder-per-class layout (train/<class>/…, val/<class>/…), for the pre-trained and joint cells."
            | Device _ -> "cpu | cuda | cuda:N (default: cpu; paper profile cuda). CUDA must be available to the commands that train."
            | Threads _ -> "CPU threads per run (default: the profile's; 1 with --workers); not part of a run's identity."
            | Reproduce _ -> "sweep the profile's grid (resumable), then write the tables beside the paper's and the claims report."
            | Plan _ -> "list the profile's runs (done / to do / blocked) and estimate the time, without running anything."
            | Sweep _ -> "run the profile's grid: every run without a record, in order; failures are recorded and passed over."
            | Train _ -> "train one cell outside the paper's tables (any init, fraction, augmentation, ± self-training) with its prerequisites, and print its metrics."
            | Tables _ -> "render the paper's tables (ours beside the paper's) and the claims from existing run records."
            | Claims _ -> "evaluate the paper's claims from existing run records and print the report."
            | Golden _ -> "check or update the golden snapshot of a profile's results."
            | Eval _ -> "COCO evaluation of a results file, with pycocotools' semantics and summary layout."
            | Data _ -> "generate or look at the embedded miniature data."
            | Aug _ -> "look at the augmentation levels Augment-S1…S4."
            | Env _ -> "show versions, the TorchSharp native library in use, threads and devices."

/// Exit codes: 0 ok, 1 the work failed (a run, a test, a golden check), 2 bad usage or bad input.
module ExitCode =
    [<Literal>]
    let Ok = 0
    [<Literal>]
    let Failed = 1
    [<Literal>]
    let Usage = 2
