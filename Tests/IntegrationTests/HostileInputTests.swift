import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Synchronization
import TestSupport
import Testing

/// Input an attacker chooses never crashes a service or reaches Postgres as an error: it is
/// answered with a 4xx and a JSON body naming the problem.
@Suite struct HostileInputTests {
    @Test(arguments: [
        ("9223372036854775807", "2"), ("2", "9223372036854775807"), ("99999999999999999999", "1"), ("-1", "5"),
        ("abc", "5"), ("1", "0"), ("1", "501"), ("1000001", "500"), ("1.5", "2"),
    ])
    func pagingOutOfRangeIsRefused(_ page: String, _ perPage: String) {
        #expect(throws: APIError.self) { try Paging(page: page, perPage: perPage) }
    }

    @Test func theDeepestPageHasAnOffsetThatFits() throws {
        let paging = try Paging(page: String(Paging.maximumPage), perPage: "500")
        #expect(paging.offset == (Paging.maximumPage - 1) * 500)
        #expect(try Paging(page: nil, perPage: nil).offset == 0)
    }

    @Test func everyListEndpointAnswersHugePagesAndNULsWithJSON() async throws {
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(CheckoutAPITests.definition(), database: database) { client in
                let admin = CheckoutAPITests.admin
                let huge = try await client.json(
                    .get, "/api/admin/orders?page=9223372036854775807&per_page=2", token: admin)
                #expect(huge.status == .unprocessableContent)
                #expect(errorCode(huge.json) == "invalid_page")
                for uri in [
                    "/api/admin/orders?status=%00", "/api/admin/orders?status=%C3", "/api/orders/%00",
                    "/api/admin/orders?status=paid%FF%FE",
                ] {
                    let answer = try await client.json(.get, uri, token: admin)
                    #expect(answer.status == .badRequest, "\(uri)")
                    #expect(errorCode(answer.json) == "invalid_characters", "\(uri)")
                }
                // A NUL inside a JSON string reaches a text column only to be refused there: still a 400.
                let order: [String: Any] = [
                    "customer": ["email": "nul@shop.example", "name": "A\u{0}da"],
                    "product_id": CheckoutAPITests.starter, "billing_cycle": "monthly",
                    "currency": "USD", "domain": "nul.example",
                ]
                let placed = try await client.json(.post, "/api/orders", order)
                #expect(placed.status == .badRequest)
                #expect(errorCode(placed.json) == "invalid_characters")
                // Escapes that are not escapes are text like any other.
                #expect(
                    try await client.json(.get, "/api/admin/orders?status=50%zz", token: admin).status
                        == .unprocessableContent)
            }
        }
    }
}

/// A flood is refused at the door: beyond the limit in flight, 503 with `Retry-After`.
@Suite struct LoadSheddingTests {
    final class Gate: Sendable {
        let open = Mutex(false)
        func wait() async { while !open.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) } }
    }

    @Test func requestsBeyondTheLimitAreRefusedWith503AndRetryAfter() async throws {
        let gate = Gate()
        var definition = ServiceDefinition(name: "checkout")
        definition.maxRequestsInFlight = 1
        definition.routes = { router, _ in
            router.get("hold") { _, _ -> String in
                await gate.wait()
                return "ok"
            }
        }
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(definition, database: database) { client in
                async let held = client.execute(uri: "/hold", method: .get) { $0.status }
                try await Task.sleep(for: .milliseconds(300))
                let (status, retryAfter, body) = try await client.execute(uri: "/hold", method: .get) { response in
                    (response.status, response.headers[.retryAfter], String(buffer: response.body))
                }
                #expect(status == .serviceUnavailable)
                #expect(retryAfter == "1")
                #expect(body.contains("\"overloaded\""))
                gate.open.withLock { $0 = true }
                #expect(try await held == .ok)
                #expect(
                    try await client.execute(uri: "/hold", method: .get) { $0.status } == .ok,
                    "admitted again once it left")
            }
        }
    }
}
