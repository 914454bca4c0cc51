using Flam.Cli;

// The work runs on a thread with a stack of known size: the main thread's stack shares its space with the command
// line, and with a long one (hundreds of file arguments) ONNX Runtime's start-up crashed the process.
int code = 1;
var worker = new Thread(() => code = FlamApp.RunAsync(args).GetAwaiter().GetResult(), 16 * 1024 * 1024);
worker.Start();
worker.Join();
return code;
