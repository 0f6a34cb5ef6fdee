using CanaryService.ProxyBench;

// bench/proxy-load.sh runs this twice:
//   upstream --urls http://127.0.0.1:PORT     the fake OpenAI upstream (~2 KB answers, JSON or SSE)
//   first-byte URL COUNT DELAY_MS             time to the first streamed content, against a paced upstream
return args switch
{
    ["upstream", .. var rest] => await FakeUpstream.RunAsync(rest),
    ["first-byte", string url, string count, string delay] => await FirstByteProbe.RunAsync(new Uri(url), int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), int.Parse(delay, System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: upstream --urls http://127.0.0.1:PORT | first-byte URL COUNT DELAY_MS");
    return 2;
}
