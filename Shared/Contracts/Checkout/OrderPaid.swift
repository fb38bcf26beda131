import Foundation

/// An order's payment was confirmed by the payment provider.
public struct OrderPaid: Event {
    public static let wireName = "order.paid"
    public static let publisher = "checkout"

    public var orderID: UUID
    public var customerID: UUID
    public var customerEmail: String
    public var customerName: String
    public var productID: UUID
    public var productName: String
    /// Billing cycle: `monthly`, `quarterly`, `semi-annual` or `annual`.
    public var billingCycle: String
    /// What was paid, in minor units of `currency`: the price and `tax` on it.
    public var amount: Int
    /// ISO 4217, upper case.
    public var currency: String
    public var domain: String?
    /// The provider's payment id (Stripe `pi_…`).
    public var paymentReference: String
    /// The provider's customer and saved payment method, for later off-session charges.
    public var paymentCustomer: String?
    public var paymentMethod: String?
    /// The tax in `amount` (absent from older producers: none), at `taxBasisPoints` of the
    /// price under `taxName`; `reverseCharge` when an EU business accounts for the VAT itself.
    public var tax: Int?
    public var taxBasisPoints: Int?
    public var taxName: String?
    public var reverseCharge: Bool?
    /// The customer's country and VAT number as the order gave them.
    public var country: String?
    public var vatID: String?

    /// The price before tax.
    public var price: Int { amount - (tax ?? 0) }

    public init(
        orderID: UUID, customerID: UUID, customerEmail: String, customerName: String, productID: UUID,
        productName: String, billingCycle: String, amount: Int, currency: String, domain: String?,
        paymentReference: String, paymentCustomer: String?, paymentMethod: String?
    ) {
        self.orderID = orderID
        self.customerID = customerID
        self.customerEmail = customerEmail
        self.customerName = customerName
        self.productID = productID
        self.productName = productName
        self.billingCycle = billingCycle
        self.amount = amount
        self.currency = currency
        self.domain = domain
        self.paymentReference = paymentReference
        self.paymentCustomer = paymentCustomer
        self.paymentMethod = paymentMethod
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case customerID = "customer_id"
        case customerEmail = "customer_email"
        case customerName = "customer_name"
        case productID = "product_id"
        case productName = "product_name"
        case billingCycle = "billing_cycle"
        case amount, currency, domain
        case paymentReference = "payment_reference"
        case paymentCustomer = "payment_customer"
        case paymentMethod = "payment_method"
        case tax
        case taxBasisPoints = "tax_basis_points"
        case taxName = "tax_name"
        case reverseCharge = "reverse_charge"
        case country
        case vatID = "vat_id"
    }
}
