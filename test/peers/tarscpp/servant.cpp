// A minimal TarsCpp servant for the failover drill: TarsnetPeer.FailoverServer.EchoObj answers echo() with
// the tag in FAILOVER_TAG (the endpoint it listens on), so the client can count answers per network.
// Started standalone: --config=FILE with empty locator, node, stat, log and notify addresses.
#include <cstdlib>
#include "servant/Application.h"
#include "Failover.h"

using namespace tars;

static std::string g_tag;

class EchoImp : public TarsnetPeer::Echo
{
public:
    void initialize() override {}
    void destroy() override {}
    tars::Int32 echo(const std::string &, std::string &rsp, tars::TarsCurrentPtr) override
    {
        rsp = g_tag;
        return 0;
    }
};

class FailoverServer : public Application
{
protected:
    void initialize() override
    {
        addServant<EchoImp>(ServerConfig::Application + "." + ServerConfig::ServerName + ".EchoObj");
    }
    void destroyApp() override {}
};

int main(int argc, char *argv[])
{
    const char *tag = getenv("FAILOVER_TAG");
    g_tag = tag ? tag : "";
    FailoverServer app;
    try
    {
        app.main(argc, argv);
        app.waitForShutdown();
    }
    catch (std::exception &e)
    {
        std::cerr << "failover-servant: " << e.what() << std::endl;
        return 1;
    }
    return 0;
}
