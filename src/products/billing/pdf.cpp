#include "products/billing/pdf.hpp"

#include <hpdf.h>

#include <stdexcept>

#include "core/util/time.hpp"

namespace scwd::products::billing {

namespace {

// The standard fonts' encoding covers ASCII safely; anything else is shown as '?'.
std::string ascii(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  return out;
}

std::string day(Micros t) { return format_time(t).substr(0, 10); }

struct Doc {
  HPDF_Doc doc = HPDF_New(nullptr, nullptr);
  Doc() = default;
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;
  ~Doc() {
    if (doc) HPDF_Free(doc);
  }
};

class Writer {
 public:
  explicit Writer(HPDF_Doc doc) : doc_(doc) {
    regular_ = HPDF_GetFont(doc_, "Helvetica", nullptr);
    bold_ = HPDF_GetFont(doc_, "Helvetica-Bold", nullptr);
    new_page();
  }
  void text(float x, std::string_view s, float size = 9, bool bold = false) {
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetFontAndSize(page_, bold ? bold_ : regular_, size);
    HPDF_Page_TextOut(page_, x, y_, ascii(s).c_str());
    HPDF_Page_EndText(page_);
  }
  // Right-aligned at x.
  void right(float x, std::string_view s, float size = 9, bool bold = false) {
    auto t = ascii(s);
    HPDF_Page_SetFontAndSize(page_, bold ? bold_ : regular_, size);
    float w = HPDF_Page_TextWidth(page_, t.c_str());
    text(x - w, t, size, bold);
  }
  void down(float dy) {
    y_ -= dy;
    if (y_ < 60) new_page();
  }

 private:
  void new_page() {
    page_ = HPDF_AddPage(doc_);
    HPDF_Page_SetSize(page_, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    y_ = HPDF_Page_GetHeight(page_) - 60;
  }
  HPDF_Doc doc_;
  HPDF_Page page_ = nullptr;
  HPDF_Font regular_ = nullptr;
  HPDF_Font bold_ = nullptr;
  float y_ = 0;
};

}  // namespace

std::string invoice_pdf(const Invoice& inv, std::string_view organization_id,
                        std::string_view organization_name) {
  Doc d;
  if (!d.doc) throw std::runtime_error("pdf: cannot create a document");
  HPDF_SetCompressionMode(d.doc, HPDF_COMP_ALL);
  auto title = "Invoice " + std::to_string(inv.number);
  HPDF_SetInfoAttr(d.doc, HPDF_INFO_TITLE, title.c_str());
  HPDF_SetInfoAttr(d.doc, HPDF_INFO_CREATOR, "scwd");

  Writer w(d.doc);
  w.text(50, "Scaleway SAS", 16, true);
  w.right(545, title, 16, true);
  w.down(24);
  w.text(50, "Invoice ID: " + inv.id);
  w.down(13);
  w.text(50,
         "Customer: " + std::string(organization_name) + " (" + std::string(organization_id) + ")");
  w.down(13);
  w.text(50, "Billing period: " + day(inv.period.start) + " to " + day(inv.period.end - 1));
  w.down(13);
  w.text(50, "Issued: " + day(inv.issued) + "    Due: " + day(inv.due) + "    State: " + inv.state);
  w.down(26);

  w.text(50, "Category", 9, true);
  w.text(130, "Product", 9, true);
  w.text(300, "Project", 9, true);
  w.right(470, "Quantity", 9, true);
  w.right(545, "Amount (EUR)", 9, true);
  w.down(14);
  for (auto& l : inv.lines) {
    w.text(50, l.sku.category, 8);
    w.text(130, l.sku.resource_name.empty() ? l.sku.product_name : l.sku.resource_name, 8);
    w.text(300, l.project_id.substr(0, 8), 8);
    w.right(470, std::to_string(l.quantity) + " " + l.sku.unit, 8);
    w.right(545, euros(l.value_nanos), 8);
    w.down(12);
  }
  w.down(14);
  auto total = [&](std::string_view label, std::int64_t nanos, bool bold = false) {
    w.right(470, label, 10, bold);
    w.right(545, euros(nanos) + " EUR", 10, bold);
    w.down(15);
  };
  total("Total excluding discounts", inv.totals.undiscount);
  total("Discounts", inv.totals.discount);
  total("Total excluding VAT", inv.totals.untaxed);
  total("VAT " + std::to_string(kVatPercent) + "%", inv.totals.tax);
  total("Total including VAT", inv.totals.taxed, true);

  if (HPDF_SaveToStream(d.doc) != HPDF_OK)
    throw std::runtime_error("pdf: cannot write the document");
  HPDF_UINT32 size = HPDF_GetStreamSize(d.doc);
  std::string out(size, '\0');
  HPDF_UINT32 got = size;
  auto rc = HPDF_ReadFromStream(d.doc, reinterpret_cast<HPDF_BYTE*>(out.data()), &got);
  if ((rc != HPDF_OK && rc != HPDF_STREAM_EOF) || got != size)
    throw std::runtime_error("pdf: cannot read the document back");
  return out;
}

}  // namespace scwd::products::billing
