/// A refusal in a service's own words (a store's domain error) that its HTTP side spells as
/// an ``APIError``: stores stay free of HTTP, clients still get the JSON body.
///
/// A controller declares the conformance beside its routes; ``JSONErrorMiddleware`` answers
/// with ``apiError``.
public protocol APIErrorConvertible: Error {
    var apiError: APIError { get }
}
