import Contracts
import Foundation
import Money

/// An issued invoice as a printable page: seller, bill-to as issued, dates, lines, tax and
/// total in the invoice's own minor units. Everything inline, nothing fetched.
struct InvoiceDocument {
    let invoice: InvoiceQueries.Invoice
    let seller: String
    let sellerEmail: String

    var html: String {
        let money = { (amount: Int) in Self.escape(MoneyText.format(amount, invoice.currency)) }
        let billTo = invoice.billTo?.addressLines ?? []
        let rows = (invoice.lines ?? []).map { line in
            "<tr><td>\(Self.escape(line.description))</td><td class=\"num\">\(money(line.amount))</td></tr>"
        }.joined()
        let tax =
            invoice.tax != 0
            ? "<tr><th>Subtotal</th><td class=\"num\">\(money(invoice.subtotal))</td></tr>"
                + "<tr><th>Tax</th><td class=\"num\">\(money(invoice.tax))</td></tr>" : ""
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Invoice \(Self.escape(invoice.number))</title>
            <style>
            body { font: 11pt/1.45 "DejaVu Sans", sans-serif; color: #111; margin: 2cm; }
            h1 { font-size: 20pt; margin: 0 0 1.2em; }
            .parties { display: flex; gap: 2em; margin-bottom: 1.5em; }
            .parties div { flex: 1; }
            h2 { font-size: 8.5pt; text-transform: uppercase; letter-spacing: .05em; color: #555; margin: 0 0 .3em; }
            p { margin: 0; }
            table { width: 100%; border-collapse: collapse; }
            td, th { text-align: left; padding: .45em .3em; border-bottom: 1px solid #ccc; }
            .num { text-align: right; white-space: nowrap; }
            tfoot th { text-align: right; font-weight: normal; }
            tfoot tr.total th, tfoot tr.total td { font-weight: bold; border-bottom: 2px solid #111; }
            </style></head><body>
            <h1>Invoice \(Self.escape(invoice.number))</h1>
            <div class="parties">
            <div><h2>From</h2><p>\(Self.escape(seller))<br>\(Self.escape(sellerEmail))</p></div>
            <div><h2>To</h2><p>\(billTo.map(Self.escape).joined(separator: "<br>"))</p></div>
            <div><h2>Dates</h2><p>Issued \(Self.escape(invoice.issuedOn))<br>Due \(Self.escape(invoice.dueOn))<br>\
            Period \(Self.escape(invoice.periodStart)) to \(Self.escape(invoice.periodEnd))</p></div>
            </div>
            <table><thead><tr><th>Description</th><th class="num">Amount</th></tr></thead><tbody>\(rows)</tbody>
            <tfoot>\(tax)<tr class="total"><th>Total (\(Self.escape(invoice.currency)))</th><td class="num">\(money(invoice.total))</td></tr></tfoot>
            </table>
            </body></html>
            """
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
