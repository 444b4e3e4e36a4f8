public import Hummingbird

/// The context of one request: Hummingbird's core storage plus who is asking.
public struct CustosRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthenticationMiddleware`` from the `Authorization` header.
    public var principal: Principal?
    /// True when the request carried credentials that did not hold.
    public var credentialsRejected = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Bodies are read by the handlers with their own limits (``ServerConfiguration/Limits``).
    public var maxUploadSize: Int { 1 << 30 }
}
