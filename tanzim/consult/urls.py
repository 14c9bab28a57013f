from django.urls import path

from tanzim.consult.views import consultations, diagnosis, drafting, editor, support

app_name = "consult"
urlpatterns = [
    path("", diagnosis.index, name="index"),
    path("diagnosis/<slug:slug>/", diagnosis.run, name="diagnosis"),
    path("diagnosis/<slug:slug>/start/", diagnosis.start, name="diagnosis-start"),
    path("trees/", editor.tree_list, name="trees"),
    path("trees/report/", editor.content_report, name="content-report"),
    path("trees/<slug:slug>/", editor.tree_edit, name="tree-edit"),
    path("trees/<slug:slug>/versions/<int:number>/publish/", editor.tree_publish, name="tree-publish"),
    path("interviews/<slug:slug>/", drafting.interview_start, name="interview-start"),
    path("amount-words/", drafting.amount_words, name="amount-words"),
    path("drafts/", drafting.my_drafts, name="drafts"),
    path("drafts/<str:token>/pages/<int:page>/", drafting.draft_page, name="draft-page"),
    path("drafts/<str:token>/review/", drafting.draft_review, name="draft-review"),
    path("drafts/<str:token>/saved/", drafting.draft_saved, name="draft-saved"),
    path("drafts/<str:token>/finish/", drafting.draft_finish, name="draft-finish"),
    path("drafts/<str:token>/done/", drafting.draft_done, name="draft-done"),
    path("drafts/<str:token>/document.pdf", drafting.draft_pdf, name="draft-pdf"),
    path("drafts/<str:token>/document.docx", drafting.draft_docx, name="draft-docx"),
    path("consultations/", consultations.mine, name="consultations"),
    path("consultations/book/", consultations.book, name="book"),
    path("consultations/desk/", consultations.desk, name="desk"),
    path("consultations/availability/", consultations.availability, name="availability"),
    path("consultations/figures/", consultations.figures, name="figures"),
    path("consultants/", support.consultants, name="consultants"),
    path("consultants/<int:pk>/toggle/", support.consultant_toggle, name="consultant-toggle"),
    path("consultations/<str:reference>/", consultations.detail, name="consultation"),
    path("consultations/<str:reference>/free/", support.make_free, name="consultation-free"),
    path("consultations/<str:reference>/files/", support.document_add, name="consultation-file-add"),
    path(
        "consultations/<str:reference>/files/<int:document_id>/",
        support.document_download,
        name="consultation-file",
    ),
    path("consultations/<str:reference>/draft.pdf", support.review_draft_pdf, name="consultation-draft-pdf"),
    path("consultations/<str:reference>/pay/", consultations.pay, name="consultation-pay"),
    path("consultations/<str:reference>/answer/", consultations.answer, name="consultation-answer"),
    path("consultations/<str:reference>/close/", consultations.close, name="consultation-close"),
]
