// Writes build.fsx.lock (paket's lock file for the FAKE script) from a NuGet restore of eng/fake-deps.
// Why: paket's own resolution against this project's registry loses transitive dependencies (missing registration
// metadata, then a fall-back to an unreachable v2 endpoint); with a complete lock, paket only downloads.
// Regenerate after changing the packages of build.fsx (and eng/fake-deps/fake-deps.fsproj to match):
//   dotnet restore eng/fake-deps && dotnet fsi eng/fake-lock.fsx
open System.IO
open System.Text.Json

let root = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, ".."))
let assets = Path.Combine(root, "eng", "fake-deps", "obj", "project.assets.json")
if not (File.Exists assets) then failwithf "%s not found: run `dotnet restore eng/fake-deps` first" assets

/// paket writes versions without trailing ".0" components beyond the second (1.1.0 -> 1.1, 6.2.0 -> 6.2).
let paketVersion (v: string) =
    let parts = v.Split('.') |> List.ofArray
    let rec trim ps = if List.length ps > 2 && List.last ps = "0" then trim (List.take (List.length ps - 1) ps) else ps
    if v.Contains "-" then v else trim parts |> String.concat "."

/// NuGet's "x" or "[x, )" lower-bound ranges become ">= x".
let constraintOf (range: string) =
    let lower = range.Trim('[', '(', ' ').Split(',').[0].Trim()
    if range.StartsWith "[" && range.EndsWith "]" && not (range.Contains ",") then paketVersion lower
    else ">= " + paketVersion lower

let doc = JsonDocument.Parse(File.ReadAllText assets)
let target = doc.RootElement.GetProperty("targets").GetProperty("net6.0")
let lines = ResizeArray<string>()
lines.AddRange [ "STORAGE: NONE"; "RESTRICTION: == net6.0"; "NUGET"; "  remote: https://api.nuget.org/v3/index.json" ]
let packages =
    [ for p in target.EnumerateObject() do
        let name, version = let i = p.Name.IndexOf '/' in p.Name.Substring(0, i), p.Name.Substring(i + 1)
        let deps =
            match p.Value.TryGetProperty "dependencies" with
            | true, d -> [ for x in d.EnumerateObject() -> x.Name, x.Value.GetString() ] |> List.sortBy (fun (n, _) -> n.ToLowerInvariant())
            | _ -> []
        name, version, deps ]
    |> List.sortBy (fun (n, _, _) -> n.ToLowerInvariant())
for name, version, deps in packages do
    lines.Add(sprintf "    %s (%s)" name (paketVersion version))
    for d, r in deps do lines.Add(sprintf "      %s (%s)" d (constraintOf r))
File.WriteAllText(Path.Combine(root, "build.fsx.lock"), String.concat "\n" lines + "\n")
printfn "wrote build.fsx.lock with %d packages" packages.Length
