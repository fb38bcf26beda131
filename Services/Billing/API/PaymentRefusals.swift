import HTTPSupport
import HTTPTypes
import Payments

extension APIError {
    /// 502 for a provider call the customer's page depends on and the provider did not answer.
    static func providerUnavailable(_ error: PaymentError) -> APIError {
        APIError(.badGateway, code: "payment_provider_unavailable", "the payment provider did not answer: \(error)")
    }
}

extension UnknownCustomer: APIErrorConvertible {
    var apiError: APIError { .notFound("customer") }
}
