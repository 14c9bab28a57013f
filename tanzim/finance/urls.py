from django.urls import path

from tanzim.finance import views

app_name = "finance"
urlpatterns = [
    path("", views.index, name="index"),
    path("payments/", views.payment_list, name="payments"),
    path("pay/", views.payment_new, name="payment-new"),
    path("payments/<uuid:ref>/", views.payment_detail, name="payment"),
    path("payments/<uuid:ref>/pay/", views.payment_pay, name="payment-pay"),
    path("payments/<uuid:ref>/counter/", views.payment_counter, name="payment-counter"),
    path("payments/<uuid:ref>/cancel/", views.payment_cancel, name="payment-cancel"),
    path("payments/<uuid:ref>/refund/", views.payment_refund, name="payment-refund"),
    path("payments/<uuid:ref>/share/", views.payment_share, name="payment-share"),
    path("shared/<str:token>/", views.shared_pay, name="shared-pay"),
    path("gateway/return/", views.gateway_return, name="gateway-return"),
    path("gateway/<str:token>/", views.gateway_page, name="gateway"),
    path("statements/", views.statement_index, name="statements"),
    path("statements/<str:code>/<int:year>/<int:month>/", views.statement_page, name="statement"),
    path("statements/<str:code>/<int:year>/<int:month>/csv/", views.statement_csv, name="statement-csv"),
    path("statements/<str:code>/<int:year>/<int:month>/pdf/", views.statement_pdf, name="statement-pdf"),
    path("kanoon/", views.kanoon_index, name="kanoon"),
    path("kanoon/<int:year>/<int:month>/", views.kanoon_month, name="kanoon-month"),
    path("settlements/", views.settlements, name="settlements"),
    path("transparency/", views.transparency, name="transparency"),
]
