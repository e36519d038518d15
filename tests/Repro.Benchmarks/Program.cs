using System.Text.Json;
using Repro.Benchmarks;

var benchmarks = typeof(IBenchmark).Assembly.GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name)
    .ToDictionary(b => b.Name);

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var bench))
{
    Console.Error.WriteLine(args.Length == 0 ? "usage: Repro.Benchmarks <name> [args] [--json FILE]" : $"unknown benchmark '{args[0]}'");
    foreach (var b in benchmarks.Values) Console.Error.WriteLine($"  {b.Name,-12} {b.Description}");
    return 2;
}

Repro.Core.Native.TorchNativeLoader.EnsureLoaded();
var rest = args.Skip(1).ToList();
string? jsonOut = null;
var j = rest.IndexOf("--json");
if (j >= 0)
{
    if (j + 1 >= rest.Count) { Console.Error.WriteLine("--json needs a file name"); return 2; }
    jsonOut = rest[j + 1];
    rest.RemoveRange(j, 2);
}
var results = bench.Run(rest.ToArray());
foreach (var (k, v) in results) Console.WriteLine($"{bench.Name}.{k} = {v:G6}");
if (jsonOut != null)
    File.WriteAllText(jsonOut, JsonSerializer.Serialize(new { benchmark = bench.Name, machine = Environment.MachineName, cores = Environment.ProcessorCount, results }, new JsonSerializerOptions { WriteIndented = true }));
return 0;
