using CanaryService.ProxyBench;

// bench/proxy-load.sh runs this twice:
//   upstream --urls http://127.0.0.1:PORT     the fake OpenAI upstream (~2 KB answers, JSON or SSE)
//   first-byte URL COUNT DELAY_MS [responses] time to the first streamed content, against a paced upstream
//                                             (chat completions, or with "responses" the Responses API's events)
return args switch
{
    ["upstream", .. var rest] => await FakeUpstream.RunAsync(rest),
    ["first-byte", string url, string count, string delay] => await FirstByteProbe.RunAsync(new Uri(url), Number(count), Number(delay), responses: false),
    ["first-byte", string url, string count, string delay, "responses"] => await FirstByteProbe.RunAsync(new Uri(url), Number(count), Number(delay), responses: true),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: upstream --urls http://127.0.0.1:PORT | first-byte URL COUNT DELAY_MS [responses]");
    return 2;
}

static int Number(string text) => int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
