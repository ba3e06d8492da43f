import Foundation
import Services
import Domain

/// HTML built as text with every user-supplied value escaped. `HTML` values are trusted
/// markup; everything else goes through `escape`.
public struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var text: String
    public init(raw: String) { text = raw }
    public init(stringLiteral value: String) { text = value }
    public init(stringInterpolation: Interpolation) { text = stringInterpolation.text }
    public var description: String { text }

    public struct Interpolation: StringInterpolationProtocol {
        var text = ""
        public init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }
        public mutating func appendLiteral(_ literal: String) { text += literal }
        /// Plain values are escaped.
        public mutating func appendInterpolation(_ value: some CustomStringConvertible) { text += HTML.escape(value.description) }
        /// Markup is inserted as it is.
        public mutating func appendInterpolation(_ html: HTML) { text += html.text }
        public mutating func appendInterpolation(_ parts: [HTML]) { text += parts.map(\.text).joined() }
        public mutating func appendInterpolation(_ html: HTML?) { text += html?.text ?? "" }
    }

    /// Escapes text for element content and quoted attribute values: & < > " ' (as Python's
    /// html.escape does; checked against it).
    public static func escape(_ s: String) -> String { Markup.escape(s) }

    public static func join(_ parts: [HTML], separator: String = "") -> HTML { HTML(raw: parts.map(\.text).joined(separator: separator)) }
}

/// One problem with a form's field, shown in the error summary and beside the field.
public struct FieldError: Sendable {
    public let field: String
    public let message: String
    public init(_ field: String, _ message: String) { self.field = field; self.message = message }
}

/// GOV.UK Design System components.
enum Components {
    static func errorSummary(_ errors: [FieldError]) -> HTML {
        guard !errors.isEmpty else { return "" }
        let items = errors.map { e -> HTML in "<li><a href=\"#\(e.field)\">\(e.message)</a></li>" }
        return """
        <div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert">
        <h2 class="govuk-error-summary__title">There is a problem</h2>
        <div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">\(items)</ul></div>
        </div></div>
        """
    }

    static func errorMessage(_ errors: [FieldError], _ field: String) -> HTML {
        guard let e = errors.first(where: { $0.field == field }) else { return "" }
        return "<p id=\"\(field)-error\" class=\"govuk-error-message\"><span class=\"govuk-visually-hidden\">Error:</span> \(e.message)</p>"
    }

    static func groupClass(_ errors: [FieldError], _ field: String) -> String {
        errors.contains { $0.field == field } ? "govuk-form-group govuk-form-group--error" : "govuk-form-group"
    }

    static func describedBy(_ errors: [FieldError], _ field: String, hint: String?) -> HTML {
        let ids = (hint == nil ? [] : ["\(field)-hint"]) + (errors.contains { $0.field == field } ? ["\(field)-error"] : [])
        return ids.isEmpty ? "" : " aria-describedby=\"\(ids.joined(separator: " "))\""
    }

    static func hint(_ field: String, _ hint: String?) -> HTML {
        hint.map { "<div id=\"\(field)-hint\" class=\"govuk-hint\">\($0)</div>" } ?? ""
    }

    /// `id` (the field's name unless given) must be unique on the page: a page with two forms
    /// that share a field name gives each its own. Errors are matched by it, and link to it.
    static func input(_ field: String, id: String? = nil, label: String, value: String?, errors: [FieldError], hint: String? = nil, type: String = "text",
                      autocomplete: String? = nil, width: String? = nil, spellcheck: Bool? = nil) -> HTML {
        let key = id ?? field
        let hasError = errors.contains { $0.field == key }
        let cls = "govuk-input" + (width.map { " govuk-input--width-\($0)" } ?? "") + (hasError ? " govuk-input--error" : "")
        let extra = HTML(raw: (autocomplete.map { " autocomplete=\"\($0)\"" } ?? "") + (spellcheck.map { " spellcheck=\"\($0)\"" } ?? ""))
        return """
        <div class="\(groupClass(errors, key))"><label class="govuk-label" for="\(key)">\(label)</label>\(self.hint(key, hint))\(errorMessage(errors, key))
        <input class="\(cls)" id="\(key)" name="\(field)" type="\(type)" value="\(value ?? "")"\(describedBy(errors, key, hint: hint))\(extra)></div>
        """
    }

    static func textarea(_ field: String, id: String? = nil, label: String, value: String?, errors: [FieldError], hint: String? = nil, rows: Int = 5) -> HTML {
        let key = id ?? field
        let hasError = errors.contains { $0.field == key }
        return """
        <div class="\(groupClass(errors, key))"><label class="govuk-label" for="\(key)">\(label)</label>\(self.hint(key, hint))\(errorMessage(errors, key))
        <textarea class="govuk-textarea\(hasError ? " govuk-textarea--error" : "")" id="\(key)" name="\(field)" rows="\(rows)"\(describedBy(errors, key, hint: hint))>\(value ?? "")</textarea></div>
        """
    }

    static func select(_ field: String, id: String? = nil, label: String, options: [(value: String, label: String)], selected: String?, errors: [FieldError], hint: String? = nil, blank: String? = nil) -> HTML {
        let key = id ?? field
        let choices = (blank.map { [("", $0)] } ?? []) + options.map { ($0.value, $0.label) }
        let rendered = choices.map { value, text -> HTML in "<option value=\"\(value)\"\(HTML(raw: value == (selected ?? "") ? " selected" : ""))>\(text)</option>" }
        return """
        <div class="\(groupClass(errors, key))"><label class="govuk-label" for="\(key)">\(label)</label>\(self.hint(key, hint))\(errorMessage(errors, key))
        <select class="govuk-select\(HTML(raw: errors.contains { $0.field == key } ? " govuk-select--error" : ""))" id="\(key)" name="\(field)"\(describedBy(errors, key, hint: hint))>\(rendered)</select></div>
        """
    }

    /// A fieldset of checkboxes (or radios); the first input carries the id (the field's name unless given) so the error summary can link to it.
    static func choices(_ field: String, id: String? = nil, legend: String, options: [(value: String, label: String)], selected: [String], errors: [FieldError],
                        hint: String? = nil, radio: Bool = false) -> HTML {
        let key = id ?? field
        let kind = radio ? "radios" : "checkboxes"
        let items = options.enumerated().map { i, o -> HTML in
            let itemID = i == 0 ? key : "\(key)-\(i + 1)"
            return """
            <div class="govuk-\(kind)__item"><input class="govuk-\(kind)__input" id="\(itemID)" name="\(field)" type="\(radio ? "radio" : "checkbox")" value="\(o.value)"\(HTML(raw: selected.contains(o.value) ? " checked" : ""))>
            <label class="govuk-label govuk-\(kind)__label" for="\(itemID)">\(o.label)</label></div>
            """
        }
        return """
        <div class="\(groupClass(errors, key))"><fieldset class="govuk-fieldset"\(describedBy(errors, key, hint: hint))>
        <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">\(legend)</legend>\(self.hint(key, hint))\(errorMessage(errors, key))
        <div class="govuk-\(kind)">\(items)</div></fieldset></div>
        """
    }

    /// One question answered by radios, each option revealing the fields it needs (GOV.UK's
    /// conditional reveal): without the script every option's fields show; with it, only the
    /// chosen option's. The first radio carries the id `field` for the error summary.
    static func radiosWithReveal(_ field: String, id: String? = nil, legend: String, options: [(value: String, label: String, reveal: HTML)], selected: String?,
                                 errors: [FieldError], hint: String? = nil, legendSize: String = "m") -> HTML {
        let key = id ?? field
        let items = options.enumerated().map { i, o -> HTML in
            let itemID = i == 0 ? key : "\(key)-\(i + 1)"
            let checked = selected == o.value
            let revealID = "conditional-\(itemID)"
            // aria-controls only: ARIA allows no aria-expanded on a radio (axe and the validator say so).
            let controls = HTML(raw: o.reveal.text.isEmpty ? "" : " aria-controls=\"\(revealID)\"")
            let reveal: HTML = o.reveal.text.isEmpty ? "" : "<div class=\"govuk-radios__conditional\(HTML(raw: checked ? "" : " govuk-radios__conditional--hidden"))\" id=\"\(revealID)\">\(o.reveal)</div>"
            return """
            <div class="govuk-radios__item"><input class="govuk-radios__input" id="\(itemID)" name="\(field)" type="radio" value="\(o.value)"\(HTML(raw: checked ? " checked" : ""))\(controls)>
            <label class="govuk-label govuk-radios__label" for="\(itemID)">\(o.label)</label></div>\(reveal)
            """
        }
        return """
        <div class="\(groupClass(errors, key))"><fieldset class="govuk-fieldset"\(describedBy(errors, key, hint: hint))>
        <legend class="govuk-fieldset__legend govuk-fieldset__legend--\(legendSize)">\(legend)</legend>\(self.hint(key, hint))\(errorMessage(errors, key))
        <div class="govuk-radios" data-module="govuk-radios">\(items)</div></fieldset></div>
        """
    }

    /// GOV.UK's date input: day, month and year in three boxes (`field-day`, `field-month`,
    /// `field-year`), the day box carrying the id `field` for the error summary.
    static func dateInput(_ field: String, legend: String, value: (day: String, month: String, year: String)?, errors: [FieldError], hint: String? = nil) -> HTML {
        let error = errors.contains { $0.field == field }
        func box(_ part: String, _ label: String, _ text: String?, width: Int) -> HTML {
            let id = part == "day" ? field : "\(field)-\(part)"
            return """
            <div class="govuk-date-input__item"><div class="govuk-form-group"><label class="govuk-label govuk-date-input__label" for="\(id)">\(label)</label>
            <input class="govuk-input govuk-date-input__input govuk-input--width-\(width)\(HTML(raw: error ? " govuk-input--error" : ""))" id="\(id)" name="\(field)-\(part)" type="text" inputmode="numeric" value="\(text ?? "")"></div></div>
            """
        }
        return """
        <div class="\(groupClass(errors, field))"><fieldset class="govuk-fieldset" role="group"\(describedBy(errors, field, hint: hint))>
        <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">\(legend)</legend>\(self.hint(field, hint))\(errorMessage(errors, field))
        <div class="govuk-date-input">\(box("day", "Day", value?.day, width: 2))\(box("month", "Month", value?.month, width: 2))\(box("year", "Year", value?.year, width: 4))</div></fieldset></div>
        """
    }

    /// GOV.UK's warning text: the "!" and a sentence that must not be missed.
    static func warningText(_ text: String) -> HTML {
        "<div class=\"govuk-warning-text\"><span class=\"govuk-warning-text__icon\" aria-hidden=\"true\">!</span><strong class=\"govuk-warning-text__text\"><span class=\"govuk-visually-hidden\">Warning</span>\(text)</strong></div>"
    }

    /// GOV.UK's confirmation panel: what happened, in a green box, at the top of the next page.
    static func panel(_ title: String, _ text: HTML) -> HTML {
        "<div class=\"govuk-panel govuk-panel--confirmation\"><h1 class=\"govuk-panel__title\">\(title)</h1><div class=\"govuk-panel__body\">\(text)</div></div>"
    }

    /// Text cut to at most `limit` characters at the end of a word, with an ellipsis when cut
    /// (never mid-word: "Develop a young person’s participation…", not "…particip").
    static func shortened(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let cut = text.prefix(limit - 1)
        let atWord = cut.lastIndex(where: \.isWhitespace).map { cut[..<$0] } ?? cut
        return atWord.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters)) + "…"
    }

    static func button(_ text: String, kind: String? = nil, name: String? = nil, value: String? = nil) -> HTML {
        let attributes = HTML(raw: (name.map { " name=\"\(HTML.escape($0))\"" } ?? "") + (value.map { " value=\"\(HTML.escape($0))\"" } ?? ""))
        return "<button type=\"submit\" class=\"govuk-button\(HTML(raw: kind.map { " govuk-button--\($0)" } ?? ""))\"\(attributes)>\(text)</button>"
    }

    /// The GOV.UK pagination pattern: previous and next, the first and last pages, and those
    /// either side of the current one, with an ellipsis for the gaps. Nothing for one page.
    static func pagination(current: Int, count: Int, label: String, link: (Int) -> String) -> HTML {
        guard count > 1 else { return "" }
        var numbers: [Int?] = []
        for page in 1...count where page == 1 || page == count || abs(page - current) <= 1 {
            if let last = numbers.last ?? nil, page > last + 1 { numbers.append(nil) }
            numbers.append(page)
        }
        let items = numbers.map { page -> HTML in
            guard let page else { return "<li class=\"govuk-pagination__item govuk-pagination__item--ellipses\">&ctdot;</li>" }
            return page == current
                ? "<li class=\"govuk-pagination__item govuk-pagination__item--current\"><a class=\"govuk-link govuk-pagination__link\" href=\"\(link(page))\" aria-label=\"Page \(page)\" aria-current=\"page\">\(page)</a></li>"
                : "<li class=\"govuk-pagination__item\"><a class=\"govuk-link govuk-pagination__link\" href=\"\(link(page))\" aria-label=\"Page \(page)\">\(page)</a></li>"
        }
        let previous: HTML = current > 1
            ? "<div class=\"govuk-pagination__prev\"><a class=\"govuk-link govuk-pagination__link\" href=\"\(link(current - 1))\" rel=\"prev\"><span class=\"govuk-pagination__link-title\">Previous<span class=\"govuk-visually-hidden\"> page</span></span></a></div>" : ""
        let next: HTML = current < count
            ? "<div class=\"govuk-pagination__next\"><a class=\"govuk-link govuk-pagination__link\" href=\"\(link(current + 1))\" rel=\"next\"><span class=\"govuk-pagination__link-title\">Next<span class=\"govuk-visually-hidden\"> page</span></span></a></div>" : ""
        return "<nav class=\"govuk-pagination\" aria-label=\"\(label)\">\(previous)<ul class=\"govuk-pagination__list\">\(items)</ul>\(next)</nav>"
    }

    static func summaryList(_ rows: [(String, HTML)], changes: [String: HTML] = [:]) -> HTML {
        let items = rows.map { key, value -> HTML in
            let change: HTML = changes[key].map { "<dd class=\"govuk-summary-list__actions\">\($0)</dd>" } ?? ""
            return "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-summary-list__key\">\(key)</dt><dd class=\"govuk-summary-list__value\">\(value)</dd>\(change)</div>"
        }
        return "<dl class=\"govuk-summary-list\">\(items)</dl>"
    }

    /// A check page's "Change" for one answer: a link-styled button that sends the answers back
    /// to their question (the form `form`, with `change=yes`), so nothing typed is lost.
    static func changeButton(form: String, what: String) -> HTML {
        "<button type=\"submit\" form=\"\(form)\" name=\"change\" value=\"yes\" class=\"app-link-button govuk-link\">Change<span class=\"govuk-visually-hidden\"> \(what)</span></button>"
    }

    /// A table in a wrapper that scrolls sideways on a narrow screen; the wrapper is a named,
    /// focusable region so someone using a keyboard can scroll it too (WCAG 2.1.1).
    static func table(caption: String, headers: [String], rows: [[HTML]], numeric: Set<Int> = []) -> HTML {
        let head = headers.map { h -> HTML in "<th scope=\"col\" class=\"govuk-table__header\">\(h)</th>" }
        let body = rows.map { row -> HTML in
            let cells = row.enumerated().map { i, cell -> HTML in
                i == 0 ? "<th scope=\"row\" class=\"govuk-table__header\">\(cell)</th>"
                    : "<td class=\"govuk-table__cell\(HTML(raw: numeric.contains(i) ? " govuk-table__cell--numeric" : ""))\">\(cell)</td>"
            }
            return "<tr class=\"govuk-table__row\">\(cells)</tr>"
        }
        return """
        <div class="app-table-wrap" role="region" aria-label="\(caption)" tabindex="0"><table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">\(caption)</caption>
        <thead class="govuk-table__head"><tr class="govuk-table__row">\(head)</tr></thead><tbody class="govuk-table__body">\(body)</tbody></table></div>
        """
    }

    static func tag(_ text: String, colour: String? = nil) -> HTML {
        "<strong class=\"govuk-tag\(HTML(raw: colour.map { " govuk-tag--\($0)" } ?? ""))\">\(text)</strong>"
    }

    static func rag(_ rag: String?) -> HTML {
        guard let rag else { return "<span class=\"govuk-body-s\">no update yet</span>" }
        return ragTags[rag] ?? ragTag(rag)
    }

    private static func ragTag(_ rag: String) -> HTML { "<strong class=\"govuk-tag app-rag app-rag--\(rag)\">\(rag.capitalized)</strong>" }

    /// The RAG ratings' tags, made once (a group's page shows fifty).
    private static let ragTags = Dictionary(uniqueKeysWithValues: RAGStatus.allCases.map { ($0.rawValue, ragTag($0.rawValue)) })

    /// A typed record's state as a tag.
    static func stateTag<State: RawRepresentable>(_ state: State) -> HTML where State.RawValue == String { stateTag(state.rawValue) }

    /// A state as a tag; those of the workflows' states named below made once, not for each row of a list.
    static func stateTag(_ state: String) -> HTML { stateTags[state] ?? makeStateTag(state) }

    /// Each workflow state's tag colour, in one table; any other state is grey.
    private static let stateColours: [String: String] = {
        var colours: [String: String] = [:]
        for (colour, states) in [("green", ["approved", "active", "completed", "reported", "resolved", "accepted", "closed"]),
                                 ("blue", ["submitted", "in-progress", "open", "acknowledged", "planned"]),
                                 ("yellow", ["changes-requested", "blocked", "renewal-due", "report-due"]),
                                 ("red", ["rejected", "lapsed", "report-overdue", "withdrawn", "cancelled"])] {
            for state in states { colours[state] = colour }
        }
        return colours
    }()

    private static let stateTags = Dictionary(uniqueKeysWithValues: (Array(stateColours.keys) + ["draft"]).map { ($0, makeStateTag($0)) })

    private static func makeStateTag(_ state: String) -> HTML {
        let colour = stateColours[state] ?? "grey"
        // Sentence case, as GOV.UK writes tags: "Changes requested", not "changes-requested".
        let words = String(state.map { $0 == "-" ? " " : $0 })
        return tag(words.prefix(1).uppercased() + words.dropFirst(), colour: colour)
    }

    static func notification(_ text: String, success: Bool = true) -> HTML {
        """
        <div class="govuk-notification-banner\(HTML(raw: success ? " govuk-notification-banner--success" : ""))" role="\(success ? "alert" : "region")" aria-labelledby="banner-title">
        <div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="banner-title">\(success ? "Success" : "Important")</h2></div>
        <div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">\(text)</p></div></div>
        """
    }
}
