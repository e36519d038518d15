module Repro.Harness.Tests.TestPaths

open System
open System.IO

/// The repository root (found by walking up to Repro.sln), for tests that read the committed data files.
let repoRoot =
    let rec up (d: DirectoryInfo) =
        if isNull d then failwith "Repro.sln not found above the test folder"
        elif File.Exists(Path.Combine(d.FullName, "Repro.sln")) then d.FullName
        else up d.Parent
    up (DirectoryInfo AppContext.BaseDirectory)

let paperTables = Path.Combine(repoRoot, "paper-tables")

/// A fresh temporary folder for one test.
let tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "repro-test-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d
