// An invoice as a PDF document (Debian's libharu): the seller, the customer, the month, one line
// per SKU and project, and the totals, as text a PDF reader (and pdftotext) extracts.
#pragma once

#include <string>
#include <string_view>

#include "products/billing/statement.hpp"

namespace scwd::products::billing {

// The PDF's bytes. Throws std::runtime_error when the library fails.
std::string invoice_pdf(const Invoice& invoice, std::string_view organization_id,
                        std::string_view organization_name);

}  // namespace scwd::products::billing
