import Delivery
import Foundation
import Persistence
import ServiceKit
import TestSupport
import Testing

/// deploy/topology.conf: the one place the services' names, queues and ports are spelled.
@Suite struct TopologyTests {
    @Test func theCheckedInTopologyListsEveryServiceOnce() throws {
        let topology = try Topology.load(from: Paths.topology)
        let folders = try FileManager.default.contentsOfDirectory(
            atPath: Paths.root.appendingPathComponent("Services").path
        ).filter { !["Broker", "Simulators"].contains($0) }
        #expect(Set(topology.services.map(\.name)) == Set(folders.map { $0.lowercased() }))
        let ports = topology.services.flatMap { [$0.queuePort, $0.httpPort] }
        #expect(Set(ports).count == ports.count, "no port is used twice")
        #expect(topology.commandRoutes["checkout"] == ["provisioning", "portal"])
        #expect(topology.commandRoutes["portal"] == [])
    }

    @Test func aServiceFindsItsQueueAndPortInTheTopology() throws {
        let configuration = try ServiceConfiguration.load(
            service: "billing",
            environment: Environment(["HOSTWIRE_TOPOLOGY": Paths.topology, "HOSTWIRE_BROKER_HOST": "broker"]))
        #expect(configuration.httpPort == 8085)
        #expect(configuration.bus.queue == "tcp://broker:5584")
    }

    @Test func aServiceTheTopologyDoesNotListNeedsItsQueueAndPortGiven() throws {
        #expect(throws: (any Error).self) {
            try ServiceConfiguration.load(
                service: "stranger", environment: Environment(["HOSTWIRE_TOPOLOGY": Paths.topology]))
        }
        let given = try ServiceConfiguration.load(
            service: "stranger",
            environment: Environment([
                "HOSTWIRE_TOPOLOGY": "/nonexistent", "HOSTWIRE_BUS_QUEUE": "tcp://127.0.0.1:6000",
                "HOSTWIRE_HTTP_PORT": "6001",
            ]))
        #expect(given.httpPort == 6001 && given.bus.queue == "tcp://127.0.0.1:6000")
    }

    @Test(arguments: [
        "checkout 5580",  // too few fields
        "checkout 5580 8081 -\ncheckout 5590 8091 -",  // twice
        "checkout 5580 8081 billing",  // a queue it does not list
        "checkout 99999 8081 -",  // not a port
        "Check-Out 5580 8081 -",  // not a name the bus takes
    ])
    func aTopologyThatDoesNotParseIsRefused(text: String) {
        #expect(throws: (any Error).self) { try Topology(parsing: text) }
    }

    @Test func commentsAndDashesReadAsNothing() throws {
        let topology = try Topology(parsing: "# name queue http commands\nprobe 6000 6001 -  # none\n\n")
        #expect(topology.services == [.init(name: "probe", queuePort: 6000, httpPort: 6001, commandsTo: [])])
    }
}
