// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "hostwire",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hostwire-broker", targets: ["BrokerMain"]),
        .executable(name: "hostwire-bench", targets: ["BusBenchmarkMain"]),
        .executable(name: "hostwire-simulator", targets: ["SimulatorMain"]),
        .executable(name: "hostwire-load", targets: ["LoadMain"]),
        .executable(name: "hostwire-checkout", targets: ["CheckoutMain"]),
        .executable(name: "hostwire-provisioning", targets: ["ProvisioningMain"]),
        .executable(name: "hostwire-mail", targets: ["MailMain"]),
        .executable(name: "hostwire-timer", targets: ["TimerMain"]),
        .executable(name: "hostwire-billing", targets: ["BillingMain"]),
        .executable(name: "hostwire-dnsssl", targets: ["DNSSSLMain"]),
        .executable(name: "hostwire-portal", targets: ["PortalMain"]),
        .executable(name: "hostwire", targets: ["HostwireCLI"]),
        .executable(name: "hostwire-bus-probe", targets: ["BusProbeMain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
    ],
    targets: [
        // MARK: Shared libraries
        .systemLibrary(
            name: "CZeroMQ", path: "Shared/CZeroMQ", pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ", .product(name: "DequeModule", package: "swift-collections")],
            path: "Shared/ZeroMQ"
        ),
        .target(
            name: "Contracts",
            path: "Shared/Contracts"
        ),
        .target(
            name: "Persistence",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Persistence"
        ),
        .target(
            name: "WireCodec",
            dependencies: ["Contracts"],
            path: "Shared/WireCodec"
        ),
        .target(
            name: "Delivery",
            dependencies: [
                "ZeroMQ", "Contracts", "WireCodec", "Persistence",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Shared/Delivery"
        ),
        .target(
            name: "Tasks",
            dependencies: [
                "Delivery", "WireCodec", "Persistence", .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Shared/Tasks"
        ),
        .target(
            name: "PortalTokens",
            dependencies: [
                .product(name: "JWTKit", package: "jwt-kit"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/PortalTokens"
        ),
        .target(
            name: "HTTPSupport",
            dependencies: [
                "Contracts", "Persistence", "Validation", "PortalTokens",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Shared/HTTPSupport"
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Delivery", "Tasks", "WireCodec", "Contracts", "Persistence", "ZeroMQ", "HTTPSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Shared/ServiceKit"
        ),
        .target(
            name: "Secrets",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/Secrets"
        ),
        .target(
            name: "ExternalHTTP",
            dependencies: [.product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "Shared/ExternalHTTP"
        ),
        .target(
            name: "ControlPanels",
            dependencies: ["ExternalHTTP"],
            path: "Shared/ControlPanels"
        ),
        .target(
            name: "Payments",
            dependencies: [
                "ExternalHTTP", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Shared/Payments"
        ),
        .systemLibrary(
            name: "CCurl", path: "Shared/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "Mail",
            dependencies: ["CCurl"],
            path: "Shared/Mail"
        ),
        .target(
            name: "Validation",
            path: "Shared/Validation"
        ),
        .target(
            name: "Money",
            path: "Shared/Money"
        ),
        .target(
            name: "QRCode",
            path: "Shared/QRCode"
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "Persistence", "ZeroMQ", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Shared/TestSupport"
        ),

        // MARK: Services
        .executableTarget(
            name: "BrokerMain",
            dependencies: [
                "ZeroMQ", "Contracts", "WireCodec", "ServiceKit", "HTTPSupport",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Services/Broker"
        ),

        .target(
            name: "CheckoutService",
            dependencies: [
                "ServiceKit", "HTTPSupport", "Delivery", "Tasks", "WireCodec", "Contracts", "Payments", "Validation",
                "PortalTokens", "Money",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Services/Checkout",
            exclude: ["Main"]
        ),
        .executableTarget(
            name: "CheckoutMain",
            dependencies: ["CheckoutService", "ServiceKit"],
            path: "Services/Checkout/Main"
        ),
        .target(
            name: "ProvisioningService",
            dependencies: [
                "ServiceKit", "HTTPSupport", "Delivery", "Tasks", "WireCodec", "Contracts", "ControlPanels", "Secrets",
                "Validation", "PortalTokens",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Services/Provisioning",
            exclude: ["Main"]
        ),
        .executableTarget(
            name: "ProvisioningMain",
            dependencies: ["ProvisioningService", "ServiceKit"],
            path: "Services/Provisioning/Main"
        ),
        .target(
            name: "MailService",
            dependencies: [
                "ServiceKit", "HTTPSupport", "Delivery", "Tasks", "WireCodec", "Contracts", "Mail", "Secrets",
                "PortalTokens", "Validation", "Money",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Services/Mail",
            exclude: ["Main", "Templates"]
        ),
        .executableTarget(
            name: "MailMain",
            dependencies: ["MailService", "ServiceKit"],
            path: "Services/Mail/Main"
        ),
        .target(
            name: "TimerService",
            dependencies: [
                "ServiceKit", "HTTPSupport", "Delivery", "Tasks", "WireCodec", "Contracts", "Persistence",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Timer",
            exclude: ["Main"]
        ),
        .executableTarget(
            name: "TimerMain",
            dependencies: ["TimerService", "ServiceKit"],
            path: "Services/Timer/Main"
        ),
        .target(
            name: "DNS",
            dependencies: [
                "ExternalHTTP", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Shared/DNS"
        ),
        .target(
            name: "ACME",
            dependencies: [
                "ExternalHTTP", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Shared/ACME"
        ),
        .target(
            name: "DNSSSLService",
            dependencies: [
                "ServiceKit", "HTTPSupport", "Delivery", "Tasks", "WireCodec", "Contracts", "Persistence", "DNS",
                "ACME", "Secrets", "PortalTokens",
                "Validation",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Services/DNSSSL",
            exclude: ["Main"]
        ),
        .executableTarget(
            name: "DNSSSLMain",
            dependencies: ["DNSSSLService", "ServiceKit"],
            path: "Services/DNSSSL/Main"
        ),
        .target(
            name: "BillingService",
            dependencies: [
                "ServiceKit", "HTTPSupport", "Delivery", "Tasks", "WireCodec", "Contracts", "Persistence", "Payments",
                "PortalTokens", "Money", "ExternalHTTP", .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Services/Billing",
            exclude: ["Main"]
        ),
        .executableTarget(
            name: "BillingMain",
            dependencies: ["BillingService", "ServiceKit"],
            path: "Services/Billing/Main"
        ),
        .target(
            name: "PortalService",
            dependencies: [
                "ServiceKit", "HTTPSupport", "Delivery", "Tasks", "WireCodec", "Contracts", "Persistence", "Secrets",
                "PortalTokens", "ExternalHTTP",
                "Validation", "Money", "QRCode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Services/Portal",
            exclude: ["Main", "Templates", "Assets"]
        ),
        .executableTarget(
            name: "PortalMain",
            dependencies: ["PortalService", "ServiceKit"],
            path: "Services/Portal/Main"
        ),
        .executableTarget(
            name: "SimulatorMain",
            dependencies: [
                "ExternalHTTP", "Payments", "Money", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/Simulators"
        ),

        // MARK: Tools
        .executableTarget(
            name: "HostwireCLI",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tools/OperatorCLI"
        ),

        // MARK: Benchmarks, test fixtures and tests
        .executableTarget(
            name: "BusBenchmarkMain",
            dependencies: [
                "ZeroMQ", "Contracts", "WireCodec", "Delivery", "Tasks", "ServiceKit", "Persistence",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Benchmarks/BusBenchmark"
        ),
        .executableTarget(
            name: "LoadMain",
            dependencies: [
                "ZeroMQ", "Contracts", "WireCodec", "Payments", "Delivery", "Tasks", "ServiceKit", "Secrets",
                "Persistence", "PortalTokens",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/Load"
        ),
        .executableTarget(
            name: "BusProbeMain",
            dependencies: [
                "ServiceKit", "HTTPSupport", "Delivery", "Tasks", "WireCodec", "Contracts",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Tests/Fixtures/BusProbe",
            exclude: ["migrations"]
        ),
        // Unit tests, one target per module, none needing a server: `make test-unit`.
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "TestSupport"], path: "Tests/ZeroMQTests"),
        .testTarget(
            name: "WireCodecTests", dependencies: ["WireCodec", "Contracts", "Delivery"], path: "Tests/WireCodecTests"),
        .testTarget(name: "ValidationTests", dependencies: ["Validation"], path: "Tests/ValidationTests"),
        .testTarget(name: "MoneyTests", dependencies: ["Money"], path: "Tests/MoneyTests"),
        .testTarget(name: "QRCodeTests", dependencies: ["QRCode"], path: "Tests/QRCodeTests"),
        .testTarget(name: "ExternalHTTPTests", dependencies: ["ExternalHTTP"], path: "Tests/ExternalHTTPTests"),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: [
                "ServiceKit", "Delivery", "WireCodec", "Contracts", "Persistence", "TestSupport", "HTTPSupport",
            ],
            path: "Tests/ServiceKitTests"),
        .testTarget(name: "TimerServiceTests", dependencies: ["TimerService"], path: "Tests/TimerServiceTests"),
        // Everything that starts Postgres, the broker, the services or the real servers, and
        // the process- and kill-based suites: `make test` runs it after the unit targets.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "CheckoutService", "ProvisioningService", "MailService", "TimerService", "BillingService",
                "DNSSSLService", "PortalService", "PortalTokens", "DNS", "ACME", "ServiceKit", "HTTPSupport",
                "Delivery", "Tasks", "WireCodec", "ControlPanels", "ExternalHTTP", "Payments", "Secrets",
                "Validation", "TestSupport", "Persistence", "Mail", "CCurl", "Contracts", "ZeroMQ",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/IntegrationTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Every Swift target of ours in the same strictness: `any` spelled out for existentials, and
// a module's members visible only where it is imported.
for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
