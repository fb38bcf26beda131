import Foundation

/// Sizes as pages show them.
enum SizeText {
    /// "820 MB", "1.5 GB".
    static func megabytes(_ value: Int) -> String {
        value < 1_024 ? "\(value) MB" : String(format: "%.1f GB", Double(value) / 1_024)
    }

    /// A `<meter>`'s values for `used` of `limit` MB: amber from 80% (`high`), `near` from
    /// 80%, `over` from 100%; with no limit (`nil` or 0) only `used`, and `limited` unset.
    static func meter(used: Int, limit: Int?) -> [String: Any] {
        var meter: [String: Any] = ["used": megabytes(used)]
        guard let limit, limit > 0 else { return meter }
        let percent = used * 100 / limit
        meter.merge(
            [
                "limited": true, "value": min(used, limit), "max": limit, "high": limit * 8 / 10,
                "limit": megabytes(limit), "percent": percent, "near": percent >= 80, "over": percent >= 100,
            ]) { $1 }
        return meter
    }
}
