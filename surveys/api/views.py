from rest_framework.views import APIView


class VocabularyView(APIView):
    pass


class ResponseCreateView(APIView):
    pass


class ResponseWithdrawView(APIView):
    pass
