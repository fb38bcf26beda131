/// Amounts in minor units as people read them: ISO 4217's decimals per currency (JPY 0,
/// USD 2, BHD 3), with the symbol where one is unambiguous. Every page, email and hosted
/// payment page formats money here, so a yen is never shown as a hundredth.
public enum MoneyText {
    /// Currencies whose minor unit is not a hundredth.
    public static let decimals = [
        "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3,
        "TND": 3, "IQD": 3, "LYD": 3,
    ]
    public static let symbols = ["USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"]

    /// `minor` with the currency's symbol, or its code after the number (499 USD → "$4.99", 1234 BHD → "1.234 BHD").
    public static func format(_ minor: Int, _ currency: String) -> String {
        let negative = minor < 0
        let text = decimal(Int(clamping: minor.magnitude), currency)
        let amount = symbols[currency].map { $0 + text } ?? "\(text) \(currency)"
        return negative ? "−" + amount : amount
    }

    /// `minor` as a plain decimal number in `currency`'s minor units (499 → "4.99", JPY 500 → "500"), for a form field.
    public static func decimal(_ minor: Int, _ currency: String) -> String {
        let places = decimals[currency, default: 2]
        let magnitude = minor.magnitude
        var unit: UInt = 1
        for _ in 0..<places { unit *= 10 }
        var text = (minor < 0 ? "-" : "") + String(magnitude / unit)
        if places > 0 {
            let fraction = String(magnitude % unit)
            text += "." + String(repeating: "0", count: places - fraction.count) + fraction
        }
        return text
    }
}
