// The failover drill's TarsCpp client: calls OBJ (a direct proxy string, one endpoint per network and node)
// asynchronously at a fixed rate and prints, once a second, one JSON line of what it saw in that second:
// {"t":SECOND,"ok":N,"timeout":N,"exception":N,"by":{"TAG":N,...}} (answers counted per servant tag).
// Usage: failover-client --obj=OBJ --rate=CALLS_PER_S --seconds=S [--conf=FILE] [--timeout=MS]
// FILE is a Tars config text: its <tars><application><client> keys (async-invoke-timeout …) configure the client.
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include "servant/Communicator.h"
#include "util/tc_config.h"
#include "util/tc_option.h"
#include "Failover.h"

using namespace tars;

static std::atomic<int> g_ok(0), g_timeout(0), g_exception(0);
static std::mutex g_lock;
static std::map<std::string, int> g_by;

struct EchoCallback : public TarsnetPeer::EchoPrxCallback
{
    void callback_echo(tars::Int32 ret, const std::string &rsp) override
    {
        if (ret != 0) { ++g_exception; return; }
        ++g_ok;
        std::lock_guard<std::mutex> hold(g_lock);
        ++g_by[rsp];
    }
    void callback_echo_exception(tars::Int32 ret) override
    {
        if (ret == TARSINVOKETIMEOUT) ++g_timeout;
        else ++g_exception;
    }
};

int main(int argc, char *argv[])
{
    TC_Option option;
    option.decode(argc, argv);
    std::string obj = option.getValue("obj");
    int rate = TC_Common::strto<int>(option.getValue("rate"));
    int seconds = TC_Common::strto<int>(option.getValue("seconds"));
    if (obj.empty() || rate <= 0 || seconds <= 0)
    {
        std::cerr << "usage: failover-client --obj=OBJ@ENDPOINTS --rate=N --seconds=S [--conf=FILE] [--timeout=MS]" << std::endl;
        return 2;
    }
    Communicator comm;
    if (option.hasParam("conf"))
    {
        // As an Application does: the client section of the config file sets the communicator.
        TC_Config conf;
        conf.parseFile(option.getValue("conf"));
        comm.setProperty(conf);
    }
    comm.setProperty("netthread", "1");
    TarsnetPeer::EchoPrx prx = comm.stringToProxy<TarsnetPeer::EchoPrx>(obj);

    std::atomic<bool> running(true);
    std::thread reporter([&] {
        int t = 0;
        auto next = std::chrono::steady_clock::now();
        while (running)
        {
            next += std::chrono::seconds(1);
            std::this_thread::sleep_until(next);
            std::map<std::string, int> by;
            {
                std::lock_guard<std::mutex> hold(g_lock);
                by.swap(g_by);
            }
            std::string byText;
            for (auto &e : by) byText += (byText.empty() ? "" : ",") + std::string("\"") + e.first + "\":" + TC_Common::tostr(e.second);
            std::cout << "{\"t\":" << ++t << ",\"ok\":" << g_ok.exchange(0) << ",\"timeout\":" << g_timeout.exchange(0)
                      << ",\"exception\":" << g_exception.exchange(0) << ",\"by\":{" << byText << "}}" << std::endl;
        }
    });

    auto interval = std::chrono::microseconds(1000000 / rate);
    auto next = std::chrono::steady_clock::now();
    auto end = next + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < end)
    {
        try
        {
            prx->async_echo(new EchoCallback(), "x");
        }
        catch (std::exception &)
        {
            ++g_exception;
        }
        next += interval;
        std::this_thread::sleep_until(next);
    }
    // Let the last calls finish or time out, then stop reporting.
    std::this_thread::sleep_for(std::chrono::milliseconds(TC_Common::strto<int>(option.getValue("timeout", "5000")) + 1500));
    running = false;
    reporter.join();
    return 0;
}
