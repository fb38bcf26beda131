/// A staff member's role: each may do what it names and nothing more.
public enum StaffRole: String, Codable, Sendable, CaseIterable {
    /// Everything, including inviting and removing staff.
    case owner
    /// Everything but managing staff.
    case admin
    /// Customers' accounts (but not terminating them), tasks and dead letters, logging in as a customer, notes.
    case support
    /// Invoices, payments, refunds, subscriptions and billing runs, notes on customers.
    case billing
    /// Reads everything, changes nothing.
    case viewer

    /// Whether this role may do `permission`.
    public func may(_ permission: StaffPermission) -> Bool {
        switch (self, permission) {
        case (.owner, _), (_, .read): true
        case (.admin, let permission): permission != .manageStaff
        case (.support, .manageAccounts), (.support, .operateTasks), (.support, .impersonate),
            (.support, .annotateCustomers):
            true
        case (.billing, .manageBilling), (.billing, .refund), (.billing, .annotateCustomers): true
        default: false
        }
    }
}

/// Something a staff member may be allowed to do.
public enum StaffPermission: String, Codable, Sendable, CaseIterable {
    case read
    /// Suspend, unsuspend, change package, reset a panel password.
    case manageAccounts
    case terminateAccounts
    /// Invoices, subscriptions, billing runs.
    case manageBilling
    case refund
    /// Retry tasks, replay dead letters.
    case operateTasks
    /// Products, prices, servers, zones, certificates, email templates.
    case configure
    /// Log in as a customer.
    case impersonate
    /// Write notes on a customer.
    case annotateCustomers
    /// Carry out a customer's request to be forgotten (owners and admins).
    case eraseCustomers
    case manageStaff
}
