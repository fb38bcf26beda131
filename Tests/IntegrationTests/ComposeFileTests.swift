import Foundation
import ServiceKit
import TestSupport
import Testing

/// docker-compose.yml keeps up with Services/: every service is in it, runs its own
/// binary, and is given every `HOSTWIRE_…` variable its own code reads.
@Suite struct ComposeFileTests {
    /// The compose file as JSON, read by PyYAML (which resolves its anchors and merge keys).
    func compose() throws -> [String: [String: Any]] {
        let path = Paths.root.appendingPathComponent("docker-compose.yml").path
        let json = try Shell.run(
            "/usr/bin/python3",
            ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path])
        let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return document?["services"] as? [String: [String: Any]] ?? [:]
    }

    /// The `HOSTWIRE_…` names written in a service's own sources.
    func variables(readBy service: String) throws -> Set<String> {
        let folder = Paths.root.appendingPathComponent("Services/\(service)")
        var names: Set<String> = []
        let files =
            FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        let pattern = /"(HOSTWIRE_[A-Z_]+)"/
        for file in files where file.pathExtension == "swift" {
            for match in try String(contentsOf: file, encoding: .utf8).matches(of: pattern) {
                names.insert(String(match.1))
            }
        }
        return names
    }

    @Test func everyServiceIsInTheComposeFileWithTheVariablesItReads() throws {
        let services = try compose()
        let folders = try FileManager.default.contentsOfDirectory(
            atPath: Paths.root.appendingPathComponent("Services").path
        )
        .filter { $0 != "Simulators" }
        #expect(folders.count >= 5)
        for folder in folders {
            let name = folder.lowercased()
            let service = try #require(services[name], "\(name) is missing from docker-compose.yml")
            #expect((service["command"] as? [String])?.first == "hostwire-\(name)")
            let environment = Set((service["environment"] as? [String: Any] ?? [:]).keys)
            // The broker's queue and route lists only override the topology, which the image carries.
            let missing = try variables(readBy: folder).subtracting(environment).subtracting([
                "HOSTWIRE_HTTP_HOST", "HOSTWIRE_HTTP_PORT", "HOSTWIRE_BROKER_QUEUES", "HOSTWIRE_BUS_COMMAND_ROUTES",
            ])
            #expect(missing.isEmpty, "\(name) reads \(missing.sorted()) but docker-compose.yml does not set them")
            if name != "broker" {
                #expect(environment.contains("HOSTWIRE_DATABASE_URL"), "\(name) logs in with its own role")
                #expect(environment.contains("HOSTWIRE_BROKER_HOST"))
            }
        }
        for simulator in ["sim-whm", "sim-plesk", "sim-directadmin", "sim-stripe", "smtp"] {
            #expect((services[simulator]?["profiles"] as? [String]) == ["sandbox"], "\(simulator) is sandbox-only")
        }
    }

    /// Least privilege: each container gets its own bus identity and no other process's
    /// private key (the broker alone holds its secret key; only mail opens what was sealed for
    /// mail, only provisioning what was sealed for provisioning).
    @Test func eachContainerHoldsOnlyItsOwnSecrets() throws {
        let services = try compose()
        let topology = try Topology.load(from: Paths.topology)
        let owners = [
            "HOSTWIRE_BUS_SERVER_SECRET_KEY": "broker", "HOSTWIRE_MAIL_SEAL_PRIVATE_KEY": "mail",
            "HOSTWIRE_CERT_SEAL_PRIVATE_KEY": "provisioning", "HOSTWIRE_PORTAL_SIGNING_KEY": "portal",
        ]
        for (name, service) in services {
            let environment = service["environment"] as? [String: Any] ?? [:]
            let text = environment.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
            for (secret, owner) in owners where name != owner {
                #expect(!text.contains(secret), "\(name) is given \(secret)")
            }
            for other in topology.services.map(\.name) where other != name {
                #expect(
                    !text.contains("\(other.uppercased())_BUS_SECRET_KEY"), "\(name) is given \(other)'s bus identity")
            }
            if topology.service(name) != nil {
                #expect(
                    (environment["HOSTWIRE_BUS_SECRET_KEY"] as? String)?.contains("\(name.uppercased())_BUS_SECRET_KEY")
                        == true)
            }
        }
    }

    /// The topology spells the services' ports; compose cannot read it, so this holds the two together:
    /// each service publishes (or has the proxy publish) and checks its topology HTTP port and
    /// leaves the rest to the file.
    @Test func theComposeFileUsesTheTopologysPorts() throws {
        let services = try compose()
        let topology = try Topology.load(from: Paths.topology)
        // Checkout and the portal sit behind the proxy, which publishes their ports.
        let proxied = Set(services["proxy"]?["ports"] as? [String] ?? [])
        #expect(proxied == ["8081:8081", "8087:8087"])
        for line in topology.services {
            let service = try #require(
                services[line.name], "\(line.name) is in the topology but not in docker-compose.yml")
            let published = "\(line.httpPort):\(line.httpPort)"
            #expect(
                service["ports"] as? [String] == (proxied.contains(published) ? nil : [published]),
                "\(line.name)'s ports")
            let check = (service["healthcheck"] as? [String: Any])?["test"] as? [String] ?? []
            #expect(check.contains { $0.contains("127.0.0.1:\(line.httpPort)/") }, "\(line.name)'s health check")
            let environment = service["environment"] as? [String: Any] ?? [:]
            for spelled in ["HOSTWIRE_HTTP_PORT", "HOSTWIRE_BUS_QUEUE"] {
                #expect(environment[spelled] == nil, "\(line.name) sets \(spelled), which the topology gives")
            }
        }
        let broker = services["broker"]?["environment"] as? [String: Any] ?? [:]
        #expect(broker["HOSTWIRE_BROKER_QUEUES"] == nil && broker["HOSTWIRE_BUS_COMMAND_ROUTES"] == nil)
    }
}
