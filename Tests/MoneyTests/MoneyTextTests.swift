import Money
import Testing

/// Money is shown in each currency's own minor units (ISO 4217), never as hundredths of everything.
@Suite struct MoneyTextTests {
    @Test(arguments: [
        (500, "JPY", "500", "¥500"),
        (499, "USD", "4.99", "$4.99"),
        (5, "EUR", "0.05", "€0.05"),
        (1_234, "BHD", "1.234", "1.234 BHD"),
        (1_005, "KWD", "1.005", "1.005 KWD"),
        (100_000, "CHF", "1000.00", "1000.00 CHF"),
    ])
    func aCurrencyIsShownInItsOwnMinorUnits(minor: Int, currency: String, decimal: String, formatted: String) {
        #expect(MoneyText.decimal(minor, currency) == decimal)
        #expect(MoneyText.format(minor, currency) == formatted)
    }

    @Test func creditsAndRefundsKeepTheirSign() {
        #expect(MoneyText.decimal(-5, "USD") == "-0.05")
        #expect(MoneyText.format(-1_234, "BHD") == "−1.234 BHD")
        #expect(MoneyText.format(-500, "JPY") == "−¥500")
        #expect(MoneyText.format(Int.min, "USD").hasPrefix("−$"))  // no trap on the extreme
    }
}
