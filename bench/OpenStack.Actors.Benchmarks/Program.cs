using BenchmarkDotNet.Running;
using OpenStack.Actors.Benchmarks;

if (args.Length > 0 && args[0] == "alloc") await AllocationProfile.RunAsync(args);
else if (args.Length > 0 && args[0] == "loop") await AllocationProfile.LoopAsync(args);
else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
