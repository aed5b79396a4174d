using Ret.Bench;

// ret-bench: deterministic input generator and a naive DOM baseline converter for bench/run.sh.
//   ret-bench generate DIR [--skip-big]     writes flat.xml, nested.xml, many.zip, big.xml into DIR
//   ret-bench dom-baseline INPUT.xml OUTDIR  XDocument-based converter (the "obvious" implementation)
if (args.Length >= 2 && args[0] == "generate")
{
    Generator.All(args[1], skipBig: args.Contains("--skip-big"));
    return 0;
}
if (args.Length == 3 && args[0] == "dom-baseline")
{
    DomBaseline.Convert(args[1], args[2]);
    return 0;
}
Console.Error.WriteLine("usage: ret-bench generate DIR [--skip-big] | ret-bench dom-baseline INPUT.xml OUTDIR");
return 2;
